"""One sentence per backward step, in the lecture's words."""

from __future__ import annotations

import re
from functools import lru_cache

_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
_SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_REPLACEMENTS = [
    ("\\cdot", "·"),
    ("^\\top", "ᵀ"),
    ("\\top", "ᵀ"),
    ("\\mathbf{1}", "1"),
    ("\\,", ""),
    ("\\tfrac", "\\frac"),
    ("\\sigma", "σ"),
    ("\\lnot ", "¬"),  # before \\ln, the start of it
    ("\\ln", "ln"),
    ("\\cos", "cos"),
    ("\\sin", "sin"),
    ("\\tan", "tan"),
    ("\\operatorname{sign}", "sign"),
    ("\\operatorname{diag}", "diag"),
    ("\\mathbb{1}", "1"),
    ("\\lVert", "‖"),
    ("\\rVert", "‖"),
    ("\\bar{y}", "ȳ"),
    ("\\bar{Y}", "Ȳ"),
    ("\\text{ (per entry)}", ""),
]


# A denominator that is a number times a factor ('2√y'): after a '/' it would read as (1/2)·√y
_COEFFICIENT = re.compile(r"\d+[^\d.]")


def _fraction(match: re.Match[str]) -> str:
    over = match[2]
    return f"{match[1]}/({over})" if _COEFFICIENT.match(over) else f"{match[1]}/{over}"


@lru_cache(maxsize=4096)
def latex_to_text(latex: str) -> str:
    """A plain-text rendering of our own formula LaTeX ('3x^{2}' -> '3x²') for narration."""
    text = latex
    for old, new in _REPLACEMENTS:
        text = text.replace(old, new)
    # innermost first: a fraction's parts hold no braces once these are done (sqrt's \frac{1}{2\sqrt{z_{1}}})
    text = re.sub(r"\\mathrm\{([^{}]*)\}", r"\1", text)
    text = re.sub(r"\\text\{([^{}]*)\}", r"\1", text)
    text = re.sub(r"\^\{(-?\d+)\}", lambda m: m.group(1).translate(_SUPERSCRIPT), text)
    text = re.sub(r"\^(\d)", lambda m: m.group(1).translate(_SUPERSCRIPT), text)
    text = re.sub(r"_\{(\d+)\}", lambda m: m.group(1).translate(_SUBSCRIPT), text)
    text = re.sub(r"\\sqrt\{([^{}]*)\}", r"√\1", text)
    text = re.sub(r"\\frac\{([^{}]*)\}\{([^{}]*)\}", _fraction, text)
    text = text.replace("\\_", "_").replace("{", "").replace("}", "").replace("\\", "")
    return text


@lru_cache(maxsize=4096)
def pretty_source(text: str) -> str:
    """'x**3 - 3*x' -> 'x³ - 3x' for narration labels."""
    text = re.sub(r"\s*\*\*\s*(\d+)\b", lambda m: m.group(1).translate(_SUPERSCRIPT), text)
    text = re.sub(r"(\d)\s*\*\s*([A-Za-z_(])", r"\1\2", text)
    return text


_NEGATIVE = re.compile(r"(?<![\w.)\]])-(?=[\d.∞])")  # a sign: not after a name, number or bracket


def typeset_minus(text: str) -> str:
    """Minus signs as the page prints numbers ("−3", "x³ − 3x"), hyphens left alone ("5-vector",
    "1e-05", "non-leaf"): a narration beside the page's "−1" read "-1" in a different glyph."""
    return _NEGATIVE.sub("\u2212", text.replace(" - ", " \u2212 "))


def titled(node_name: str, label: str) -> str:
    """A node as every narration names it: 'f = x³ - 3x' (its source typeset), or 'f' alone when
    the label is empty or the name itself. typeset_minus, applied to the whole sentence, does the rest."""
    return f"{node_name} = {pretty_source(label)}" if label and label != node_name else node_name


def narrate_start(outputs: list[str], seeds: list[str] | None = None) -> str:
    """A pass before its first step (`outputs`: its roots, each `titled`): 'Start: the output
    f = x³ − 3x holds ∂f/∂f = 1 (the seed gradient); every other accumulator is 0.' `seeds`: the
    gradients the program gave backward() (`y.backward(v)`), when any is not all ones: 'Start: the
    output y = x * 3 holds the seed gradient the program gave, [1, 0.5] (the pass computes vᵀJ with v
    that seed); every other accumulator is 0.'"""
    if seeds is None:
        return typeset_minus(
            f"Start: the output {', '.join(outputs) or 'f'} holds ∂f/∂f = 1 (the seed gradient); "
            "every other accumulator is 0."
        )
    if len(outputs) == 1:
        held = (
            f"the output {outputs[0]} holds the seed gradient the program gave, {seeds[0]} "
            "(the pass computes vᵀJ with v that seed)"
        )
    else:
        given = "; ".join(f"{output} holds {seed}" for output, seed in zip(outputs, seeds, strict=True))
        held = (
            f"each output holds the seed gradient the program gave: {given} (the pass sums each output's vᵀJ)"
        )
    return typeset_minus(f"Start: {held}; every other accumulator is 0.")


def narrate_op(
    kind: str, node_name: str, label: str, incoming: str, parts: list[tuple[str, str | None, str, str]]
) -> str:
    """'Power node z₁ = x³: incoming gradient 1, local gradient 3x² = 3, adds 3 to x's accumulator.'

    `parts` holds (local formula text, plugged value text or None, contribution, receiver) per input.
    """
    head = f"{kind} node {titled(node_name, label)}"
    clauses = []
    for formula, plugged, contribution, receiver in parts:
        local = f"local gradient {formula}" if formula else "local gradient (from PyTorch's formula)"
        if plugged and plugged.split("=")[-1].strip() != formula.strip():
            local += f" = {plugged.split('=')[-1].strip()}"
        clauses.append(f"{local}, adds {contribution} to {receiver}'s accumulator")
    if not clauses:
        return typeset_minus(f"{head}: incoming gradient {incoming}; none of its inputs needs a gradient.")
    return typeset_minus(f"{head}: incoming gradient {incoming}, " + "; ".join(clauses) + ".")


def narrate_hook(line: int, text: str, before: str, after: str | None, first: bool = True) -> str:
    """A hook of the program's that ran before the node: 'A hook changed the gradient here: the
    contributions summed to [6, 12]; y.register_hook(lambda g: g * 2) (line 3) returned [12, 24].'
    (`after` None: it returned None, and the node received what arrived.) A hook after the first of
    a step was given what the one before it left: 'Then … returned [24, 48].'"""
    hook = f"{pretty_source(text)} (line {line})"
    if not first:
        said = "returned None" if after is None else f"returned {after}"
        return typeset_minus(f"Then {hook} {said}.")
    if after is None:
        return typeset_minus(f"A hook ran here, {hook}: it returned None, so the gradient {before} went on.")
    return typeset_minus(
        f"A hook changed the gradient here: the contributions summed to {before}; {hook} returned {after}."
    )


def narrate_module_hook(
    line: int, text: str, grad_output: str, grad_input: str | None, after: str | None, first: bool = True
) -> str:
    """A module's backward hook that ran in this node's post-hooks, after it (the node is the
    identity PyTorch puts around a hooked module's call: BackwardHookFunctionBackward). `grad_input`
    None: a pre-hook, given grad_output alone; `after` None: it returned None, so the node sent on
    what it computed. 'Then the module's full backward hook ran, model.fc2.register_full_backward_
    hook(show) (line 9): grad_input ([0.5, −1]), grad_output ([1]); it returned None.'"""
    hook = f"{pretty_source(text)} (line {line})"
    kind = "full backward pre-hook" if grad_input is None else "full backward hook"
    given = (
        f"grad_output ({grad_output})"
        if grad_input is None
        else f"grad_input ({grad_input}), grad_output ({grad_output})"
    )
    if after is None:
        said = "it returned None"
    elif grad_input is None:
        said = f"it returned ({after}), which replaced grad_output: this node sends it on"
    else:
        said = f"it returned ({after}), which this node sends on in place of grad_input"
    head = f"Then the module's {kind} ran, {hook}" if first else f"Then {hook} ran"
    return typeset_minus(f"{head}: {given}; {said}.")


def narrate_more_hooks(more: int) -> str:
    """Hooks past the ones a step lists (trace/backward_capture.HOOKS_PER_STEP)."""
    return f"Then {more:,} more hook{'s' if more != 1 else ''} ran here, not listed one by one."


def narrate_leaf(name: str, incoming: str, kind: str, hooked: bool = False) -> str:
    """The AccumulateGrad step of a leaf (`hooked`: a hook of the program's changed what arrived)."""
    if hooked:
        then = (
            "autograd.grad returns it; .grad is untouched"
            if kind == "grad"
            else f"AccumulateGrad adds it to {name}.grad"
        )
        return typeset_minus(f"Leaf {name}: {incoming} after its hook; {then}.")
    if kind == "grad":
        return typeset_minus(
            f"Leaf {name}: receives {incoming} in total (returned by autograd.grad; .grad is untouched)."
        )
    return typeset_minus(
        f"Leaf {name}: all contributions have arrived, {incoming} in total; "
        f"AccumulateGrad adds it to {name}.grad."
    )


def narrate_custom(
    function: str, node_name: str, label: str, incoming: str, parts: list[tuple[str, str]]
) -> str:
    """A program's torch.autograd.Function node: its own backward ran (`parts`: contribution and
    receiver per input). 'Custom node z₁ = Exp.apply(x): incoming gradient [1, 1]; the program's
    own Exp.backward ran and sent [2.718, 7.389] to x's accumulator.'"""
    head = f"Custom node {titled(node_name, label)}"
    ran = f"the program's own {function}.backward ran"
    if not parts:
        return typeset_minus(
            f"{head}: incoming gradient {incoming}; {ran}; none of its inputs needs a gradient."
        )
    sent = "; ".join(f"{contribution} to {receiver}'s accumulator" for contribution, receiver in parts)
    return typeset_minus(
        f"{head}: incoming gradient {incoming}; {ran} and sent {sent} (no local Jacobian is computed "
        f"for it: that would run {function}.backward again)."
    )
