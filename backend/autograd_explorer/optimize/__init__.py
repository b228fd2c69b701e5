"""Gradient-descent trajectories, loss surfaces and regression (pure torch, no FastAPI)."""
