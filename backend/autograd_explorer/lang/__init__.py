"""The explorer language: a safe subset of Python run by our own evaluator."""
