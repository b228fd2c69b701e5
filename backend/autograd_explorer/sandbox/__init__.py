"""Isolated evaluation: user programs run in rlimited worker processes, never in the server."""

from autograd_explorer.sandbox.evaluator import Evaluator, InlineEvaluator, make_evaluator
from autograd_explorer.sandbox.pool import EvalPool
from autograd_explorer.sandbox.registry import JOBS

__all__ = ["JOBS", "EvalPool", "Evaluator", "InlineEvaluator", "make_evaluator"]
