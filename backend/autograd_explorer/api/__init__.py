"""The FastAPI edge: schemas, routes and the mapping of domain errors to HTTP."""
