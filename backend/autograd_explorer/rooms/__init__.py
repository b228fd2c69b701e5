"""Follow mode's rooms: the service (codes, tokens, limits) over a storage and broadcast backend."""
