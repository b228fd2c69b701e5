"""Local derivatives of common ops as KaTeX-ready LaTeX, with the numbers plugged in when scalar.

One table keyed by PyTorch's node name. Each entry maps a FormulaContext to one formula per input
slot (∂ output / ∂ input) in the lecture's notation: 3x^2 for a power, 2z_1^\\top for a square
norm, X for a matrix-vector product.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch

from autograd_explorer.trace.values import format_number


@dataclass(frozen=True)
class FormulaContext:
    """What a formula may use: LaTeX symbols of the inputs and output, and the saved values."""

    inputs: list[str]  # LaTeX symbol per input slot
    output: str
    saved: dict[str, object]
    constant: tuple[bool, ...] = ()  # per slot: the input is not in the graph (a constant)

    def num(self, key: str) -> float | None:
        """A saved value as a Python number, when it is a scalar."""
        v = self.saved.get(key)
        if isinstance(v, bool):
            return float(v)
        if isinstance(v, int | float):
            return float(v)
        if isinstance(v, torch.Tensor) and v.numel() == 1:
            return float(v.item())
        return None

    def shape(self, key: str) -> list[int] | None:
        v = self.saved.get(key)
        return list(v.shape) if isinstance(v, torch.Tensor) else None

    def sym(self, slot: int) -> str:
        return self.inputs[slot] if slot < len(self.inputs) else f"u_{slot}"


Formula = tuple[str, str | None]  # (symbolic, with numbers) for one slot
FormulaRule = Callable[[FormulaContext], list[Formula | None]]


def n(v: float | None) -> str:
    """A number in LaTeX, parenthesized when negative."""
    if v is None:
        return "?"
    text = format_number(v)
    return f"({text})" if text.startswith("-") else text


def eq(expr: str, value: float | None) -> str | None:
    """'expr = value', or None when the value is unknown."""
    return None if value is None else f"{expr} = {format_number(value)}"


def _pow(c: FormulaContext) -> list[Formula | None]:
    p, x, s = c.num("exponent"), c.num("self"), c.sym(0)
    if p is None:
        return [(f"p\\,{s}^{{p-1}}", None)]
    pm1 = format_number(p - 1)
    sym = f"{format_number(p)}{s}^{{{pm1}}}" if p - 1 != 1 else f"{format_number(p)}{s}"
    value = p * x ** (p - 1) if x is not None and not (x == 0 and p - 1 < 0) else None
    plugged = eq(f"{format_number(p)} \\cdot {n(x)}^{{{pm1}}}", value) if x is not None else None
    return [(sym, plugged)]


def _pow_tensor(c: FormulaContext) -> list[Formula | None]:
    b, e = c.sym(0), c.sym(1)
    return [(f"{e}\\,{b}^{{{e}-1}}", None), (f"{b}^{{{e}}}\\ln {b}", None)]


def _mul(c: FormulaContext) -> list[Formula | None]:
    # d(a*b)/da = b and d(a*b)/db = a; a Python-number factor is shown as the number itself.
    return [_factor(c, "other", 1), _factor(c, "self", 0)]


def _factor(c: FormulaContext, key: str, slot: int) -> Formula:
    value = c.num(key)
    constant_slot = slot < len(c.constant) and c.constant[slot]
    if value is not None and (constant_slot or not isinstance(c.saved.get(key), torch.Tensor)):
        return (format_number(value), None)
    return (c.sym(slot), eq(c.sym(slot), value))


def _add(sign: float) -> FormulaRule:
    def rule(c: FormulaContext) -> list[Formula | None]:
        alpha = c.num("alpha") or 1.0
        second = sign * alpha
        return [("1", None), (format_number(second), None)]

    return rule


def _div(c: FormulaContext) -> list[Formula | None]:
    a, b = c.sym(0), c.sym(1)
    other, this = c.num("other"), c.num("self")
    first = eq(f"1/{n(other)}", 1 / other) if other else None
    second = eq(f"-{n(this)}/{n(other)}^2", -this / other**2) if this is not None and other else None
    return [
        (f"\\frac{{1}}{{{b}}}" if len(c.inputs) > 1 else f"\\frac{{1}}{{{n(other)}}}", first),
        (f"-\\frac{{{a}}}{{{b}^2}}", second),
    ]


def _unary(symbolic: str, value: Callable[[float], float], key: str = "self") -> FormulaRule:
    """A function of one input x (or of the result y when key == 'result')."""

    def rule(c: FormulaContext) -> list[Formula | None]:
        s = c.sym(0) if key == "self" else c.output
        v = c.num(key)
        text = symbolic.replace("#", s)
        try:
            plugged = eq(symbolic.replace("#", n(v)), value(v)) if v is not None else None
        except (ValueError, ZeroDivisionError, OverflowError):
            plugged = None
        return [(text, plugged)]

    return rule


def _constant(symbolic: str) -> FormulaRule:
    return lambda c: [(symbolic, None)]


def _sum(c: FormulaContext) -> list[Formula | None]:
    return [("\\mathbf{1}^\\top", None)]


def _mean(c: FormulaContext) -> list[Formula | None]:
    return [("\\tfrac{1}{n}\\mathbf{1}^\\top", None)]


def _dot(c: FormulaContext) -> list[Formula | None]:
    return [(f"{c.sym(1)}^\\top", None), (f"{c.sym(0)}^\\top", None)]


def _mv(c: FormulaContext) -> list[Formula | None]:
    # y = A v: dy/dv = A; dy/dA (flattened) pairs the incoming gradient with v.
    return [(f"\\bar{{y}}\\,{c.sym(1)}^\\top \\text{{ (per entry)}}", None), (c.sym(0), None)]


def _mm(c: FormulaContext) -> list[Formula | None]:
    return [(f"\\bar{{Y}}\\,{c.sym(1)}^\\top", None), (f"{c.sym(0)}^\\top\\bar{{Y}}", None)]


def _mse(c: FormulaContext) -> list[Formula | None]:
    return [
        (f"\\tfrac{{2}}{{n}}({c.sym(0)} - {c.sym(1)})^\\top", None),
        (f"-\\tfrac{{2}}{{n}}({c.sym(0)} - {c.sym(1)})^\\top", None),
    ]


def _norm(c: FormulaContext) -> list[Formula | None]:
    return [(f"\\frac{{{c.sym(0)}^\\top}}{{\\lVert {c.sym(0)} \\rVert}}", None)]


def _identity_like(label: str) -> FormulaRule:
    return lambda c: [(f"I \\text{{ ({label})}}", None)]


def _where(c: FormulaContext) -> list[Formula | None]:
    """torch.where(c, a, b): each entry passes its gradient to a where c holds, to b elsewhere
    (the other side gets 0, even where its own local derivative is NaN: 0 · NaN is NaN)."""
    cond = c.saved.get("condition")
    if not (isinstance(cond, torch.Tensor) and 0 < cond.numel() <= WHERE_SHOWN):
        return [(_WHERE[True], None), (_WHERE[False], None)]
    mask = [bool(v) for v in cond.reshape(-1).tolist()]
    return [
        (
            _WHERE[side],
            f"{_WHERE[side]} = \\operatorname{{diag}}({', '.join('1' if b == side else '0' for b in mask)})",
        )
        for side in (True, False)
    ]


_WHERE = {True: "\\operatorname{diag}(\\mathbb{1}[c])", False: "\\operatorname{diag}(\\mathbb{1}[\\lnot c])"}
WHERE_SHOWN = 8  # a condition of at most this many entries is written out


def _sigmoid(y: float) -> float:
    return y * (1 - y)


FORMULAS: dict[str, FormulaRule] = {
    "PowBackward0": _pow,
    "PowBackward1": _pow_tensor,
    "MulBackward0": _mul,
    "AddBackward0": _add(+1),
    "SubBackward0": _add(-1),
    "RsubBackward1": lambda c: [("-1", None)],
    "AddBackward1": _constant("1"),
    "SubBackward1": _constant("1"),
    "DivBackward0": _div,
    "NegBackward0": _constant("-1"),
    "SinBackward0": _unary("\\cos #", math.cos),
    "CosBackward0": _unary("-\\sin #", lambda x: -math.sin(x)),
    "TanBackward0": _unary("1 + \\tan^2 #", lambda y: 1 + y * y, key="result"),
    "ExpBackward0": _unary("e^{#}", lambda y: y, key="result"),
    "LogBackward0": _unary("\\frac{1}{#}", lambda x: 1 / x),
    "SqrtBackward0": _unary("\\frac{1}{2\\sqrt{#}}", lambda y: 1 / (2 * y), key="result"),
    "AbsBackward0": _unary("\\operatorname{sign}(#)", lambda x: float((x > 0) - (x < 0))),
    "TanhBackward0": _unary("1 - #^2", lambda y: 1 - y * y, key="result"),
    "SigmoidBackward0": _unary("#(1 - #)", _sigmoid, key="result"),
    "ReluBackward0": _unary("\\mathbb{1}[# > 0]", lambda y: float(y > 0), key="result"),
    "SoftplusBackward0": _unary("\\sigma(#)", lambda x: 1 / (1 + math.exp(-x))),
    "SumBackward0": _sum,
    "SumBackward1": _sum,
    "MeanBackward0": _mean,
    "MeanBackward1": _mean,
    "DotBackward0": _dot,
    "MvBackward0": _mv,
    "MmBackward0": _mm,
    "MseLossBackward0": _mse,
    "LinalgVectorNormBackward0": _norm,
    "NormBackward1": _norm,
    "CloneBackward0": _constant("I"),
    "BackwardHookFunctionBackward": _constant("I"),
    "TBackward0": _identity_like("transpose"),
    "PermuteBackward0": _identity_like("permutation"),
    "ViewBackward0": _identity_like("reshape"),
    "UnsafeViewBackward0": _identity_like("reshape"),
    "ReshapeAliasBackward0": _identity_like("reshape"),
    "UnsqueezeBackward0": _identity_like("reshape"),
    "SqueezeBackward0": _identity_like("reshape"),
    "SqueezeBackward1": _identity_like("reshape"),
    "ExpandBackward0": _constant("\\text{sum over broadcast dims}"),
    "WhereBackward0": _where,
}


def local_formulas(op: str, ctx: FormulaContext) -> list[Formula | None]:
    """One (symbolic, plugged) pair per input slot, or None where the table has no rule."""
    rule = FORMULAS.get(op)
    if rule is None:
        return [None] * len(ctx.inputs)
    try:
        out = rule(ctx)
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return [None] * len(ctx.inputs)
    return (out + [None] * len(ctx.inputs))[: len(ctx.inputs)]
