"""Training jobs: a bounded pool of worker processes fed from the records database."""
