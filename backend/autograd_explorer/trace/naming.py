"""How nodes are called: LaTeX symbols for formulas, Unicode names for narration, op kinds."""

from __future__ import annotations

import re

_SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_TRAILING_DIGITS = re.compile(r"^([A-Za-z_]*[A-Za-z])_?(\d+)$")

OP_KINDS: dict[str, str] = {
    "Pow": "Power",
    "Mul": "Multiply",
    "Add": "Add",
    "Sub": "Subtract",
    "Rsub": "Subtract",
    "Div": "Divide",
    "Neg": "Negate",
    "Sum": "Sum",
    "Mean": "Mean",
    "Mv": "Matrix–vector product",
    "Mm": "Matrix product",
    "Dot": "Dot product",
    "Exp": "Exponential",
    "Log": "Logarithm",
    "Sqrt": "Square root",
    "Sin": "Sine",
    "Cos": "Cosine",
    "Tanh": "tanh",
    "Sigmoid": "Sigmoid",
    "Relu": "ReLU",
    "MseLoss": "MSE loss",
    "AccumulateGrad": "Leaf",
    "LinalgVectorNorm": "Norm",
    "T": "Transpose",
    "View": "Reshape",
    "Clone": "Clone",
    "BackwardHookFunction": "Module-hook identity",
}


def op_kind(op: str) -> str:
    """'PowBackward0' -> 'Power' (a readable kind for narration)."""
    base = re.sub(r"Backward\d*$", "", op)
    return OP_KINDS.get(base, base)


OP_SHORT = {"BackwardHookFunctionBackward": "hooks"}  # PyTorch's node around a hooked module's call


def op_short(op: str) -> str:
    """'PowBackward0' -> 'pow' (a label for internal nodes)."""
    return OP_SHORT.get(op) or re.sub(r"Backward\d*$", "", op).lower() or op


def latex_symbol(name: str) -> str:
    """'z1' -> 'z_{1}', 'w' -> 'w', 'loss' -> '\\mathrm{loss}'."""
    m = _TRAILING_DIGITS.match(name)
    if m:
        head, digits = m.groups()
        return f"{latex_symbol(head)}_{{{digits}}}"
    if len(name) == 1:
        return name
    return "\\mathrm{" + name.replace("_", "\\_") + "}"


def unicode_name(name: str) -> str:
    """'z1' -> 'z₁' for narration."""
    m = _TRAILING_DIGITS.match(name)
    return m.group(1) + m.group(2).translate(_SUBSCRIPT) if m else name


def display_names(user_names: list[str | None], is_leaf: list[bool], output_id: int | None) -> list[str]:
    """A name for every node, the lecture's way: the user's where given, else z₁, z₂, … and f.

    Unnamed intermediates are numbered in topological order; an unnamed output is f; names the
    user already took are skipped.
    """
    taken = {n for n in user_names if n}
    out: list[str] = []
    counter = 0
    for i, name in enumerate(user_names):
        if name:
            out.append(name)
            continue
        if i == output_id and "f" not in taken:
            out.append("f")
            continue
        prefix = "x" if is_leaf[i] else "z"
        while True:
            counter += 1
            candidate = f"{prefix}{counter}"
            if candidate not in taken:
                break
        taken.add(candidate)
        out.append(candidate)
    return out


SLOT_SAVED_KEYS: tuple[tuple[str, ...], ...] = (
    ("self", "input", "mat1"),
    ("other", "vec", "mat2", "tensor", "exponent", "target"),
)


def saved_key_for_slot(slot: int, saved: dict[str, object]) -> str | None:
    """Which saved value holds a node's input at `slot` (PyTorch names them self/other/vec/…)."""
    if slot >= len(SLOT_SAVED_KEYS):
        return None
    return next((k for k in SLOT_SAVED_KEYS[slot] if k in saved), None)
