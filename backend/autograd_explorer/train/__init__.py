"""Data sets, the lecture's models and their training loops (pure torch, no FastAPI)."""
