"""A step's explanation: per input the local formula and Jacobian, and the step's narration.

The expensive part of a step (formulas read saved values, narration formats numbers, Jacobians
take one vector–Jacobian product per output element), so the compact trace leaves it out and the
page asks for the steps a user opens (jobs.run_details_job).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

from autograd_explorer.errors import ProgramError
from autograd_explorer.lang.contract import LABEL_CHARS, ModuleGradients
from autograd_explorer.trace.backward_capture import HookRan
from autograd_explorer.trace.custom_nodes import custom_formula, function_name, is_custom_node
from autograd_explorer.trace.facts import NO_HOOKS, HooksAt, PassFacts, StepFacts, TraceFacts
from autograd_explorer.trace.formulas import FormulaContext, local_formulas
from autograd_explorer.trace.naming import latex_symbol, op_kind, saved_key_for_slot
from autograd_explorer.trace.narration import (
    latex_to_text,
    narrate_custom,
    narrate_hook,
    narrate_leaf,
    narrate_module_hook,
    narrate_more_hooks,
    narrate_op,
    narrate_start,
    titled,
)
from autograd_explorer.trace.payload import InputExplained, StepExplained, TensorValue, TraceDetails
from autograd_explorer.trace.values import format_number, short_repr, tensor_value

ValueWriter = Callable[[torch.Tensor], TensorValue | None]


@dataclass(frozen=True)
class InputDetails:
    """One contribution explained."""

    formula: str | None
    formula_value: str | None
    jacobian: torch.Tensor | None


@dataclass(frozen=True)
class StepDetails:
    """A step explained: one InputDetails per contribution, in the same order, and the narration."""

    inputs: list[InputDetails]
    narration: str


def explain_step(facts: TraceFacts, step: StepFacts, kind: str, hooks: HooksAt = NO_HOOKS) -> StepDetails:
    """Formulas, Jacobians and narration of one step of a pass of this kind, with the program's
    hooks that ran in it (`hooks`) in the engine's order: a tensor's hooks before its node ran, a
    module's backward hooks after (in the post-hooks of the node PyTorch put around its call)."""
    listed, more = hooks
    before = [h for h in listed if h.kind == "tensor"]
    after = [h for h in listed if h.kind == "module"]
    details = _explain_step(facts, step, kind, any(h.changed for h in before) or more > 0)
    if not listed:
        return details
    said = [
        *(_narrate_hook(h, first=k == 0) for k, h in enumerate(before)),
        details.narration,
        *(_narrate_hook(h, first=k == 0) for k, h in enumerate(after)),
    ]
    if more:
        said.append(narrate_more_hooks(more))
    return StepDetails(details.inputs, " ".join(said))


def _narrate_hook(hook: HookRan, first: bool) -> str:
    grad, result = hook.grad, hook.result
    if isinstance(grad, ModuleGradients):
        return narrate_module_hook(
            hook.span.line,
            hook.text,
            _gradients(grad.grad_output),
            None if grad.grad_input is None else _gradients(grad.grad_input),
            _gradients(result) if isinstance(result, tuple | list) else None,
            first,
        )
    after = short_repr(result) if isinstance(result, torch.Tensor) else None
    return narrate_hook(hook.span.line, hook.text, short_repr(grad), after, first)


def _gradients(items: Sequence[object]) -> str:
    """A module hook's tuple of gradients: '[0.5, −1], None'."""
    return ", ".join(short_repr(g) if isinstance(g, torch.Tensor) else "None" for g in items)


def _explain_step(facts: TraceFacts, step: StepFacts, kind: str, hooked: bool) -> StepDetails:
    fn = step.raw.fn
    incoming = short_repr(step.grad_output)
    if step.node in facts.index.multi_output:  # one gradient per output (`a, b = x.split(…)`)
        each = [short_repr(g) for g in step.raw.grad_outputs]
        incoming = f"{', '.join(each[:-1])} and {each[-1]} (one per output)"
    name = facts.readable[step.node]
    if type(fn).__name__ == "AccumulateGrad":
        return StepDetails([], narrate_leaf(name, incoming, kind, hooked))
    if is_custom_node(fn):
        return _explain_custom(facts, step, fn, name, incoming)
    formulas = _formulas(facts, step.node, fn)
    jacobians = step.raw.read_jacobians()
    inputs: list[InputDetails] = []
    parts = []
    for c in step.contributions:
        formula = formulas[c.slot] if c.slot < len(formulas) else None
        jac = _slot(jacobians, c.slot)
        inputs.append(InputDetails(formula[0] if formula else None, formula[1] if formula else None, jac))
        parts.append(
            (
                latex_to_text(formula[0]) if formula and formula[0] else "",
                latex_to_text(formula[1]) if formula and formula[1] else None,
                short_repr(c.grad),
                facts.readable[c.to],
            )
        )
    narration = narrate_op(op_kind(type(fn).__name__), name, _label(facts, fn), incoming, parts)
    return StepDetails(inputs, narration)


def start_narration(facts: TraceFacts, p: PassFacts) -> str:
    """The pass before its first step, its roots named as their own steps name them. Unlike a
    step's narration it is in the trace itself: one sentence per pass, shown before any details."""
    nodes = facts.nodes
    roots = [titled(facts.readable_name(r), _label(facts, nodes[r])) for r in p.roots]
    seeds = [p.seeds.get(r) for r in p.roots]
    if all(seed is None or bool((seed == 1).all()) for seed in seeds):
        return narrate_start(roots)
    return narrate_start(roots, [short_repr(seed) if seed is not None else "1" for seed in seeds])


def _explain_custom(facts: TraceFacts, step: StepFacts, fn: object, name: str, incoming: str) -> StepDetails:
    """A program's torch.autograd.Function node: the formula names its backward, which ran; no
    Jacobian (custom_nodes.py), except a scalar node's that the engine's own call gave (free_row)."""
    formula = custom_formula(fn)
    jacobians = step.raw.read_jacobians()
    inputs = [InputDetails(formula, None, _slot(jacobians, c.slot)) for c in step.contributions]
    parts = [(short_repr(c.grad), facts.readable[c.to]) for c in step.contributions]
    return StepDetails(inputs, narrate_custom(function_name(fn), name, _label(facts, fn), incoming, parts))


def _label(facts: TraceFacts, fn: object) -> str:
    """The node's source text for its narration ("z₁ = x³"), or "" when it has none or is too long."""
    record = facts.forward_record(fn)
    return record.text if record is not None and len(record.text) <= LABEL_CHARS else ""


def _slot(jacobians: Sequence[torch.Tensor | None] | None, slot: int) -> torch.Tensor | None:
    """The local Jacobian of an input slot, None when not computed."""
    return jacobians[slot] if jacobians and slot < len(jacobians) else None


def _formulas(facts: TraceFacts, nid: int, fn: object) -> list[tuple[str, str | None] | None]:
    saved = facts.saved_of(fn)
    symbols = []
    constant = []
    for slot, (producer, _) in enumerate(fn.next_functions):  # type: ignore[attr-defined]
        pid = facts.index.node_id(producer)
        constant.append(pid is None)
        symbols.append(facts.symbols[pid] if pid is not None else _constant_symbol(facts, slot, saved))
    ctx = FormulaContext(inputs=symbols, output=facts.symbols[nid], saved=saved, constant=tuple(constant))
    return local_formulas(type(fn).__name__, ctx)


def _constant_symbol(facts: TraceFacts, slot: int, saved: dict[str, object]) -> str:
    """A constant input: the user's name for it, else its value when a number, else c."""
    key = saved_key_for_slot(slot, saved)
    value = saved.get(key) if key else None
    if isinstance(value, torch.Tensor):
        name = facts.rec.name_of_tensor(value)
        if name:
            return latex_symbol(name)
        if value.numel() == 1:
            return format_number(float(value.detach().reshape(())))
    elif isinstance(value, int | float):
        return format_number(float(value))
    return "c"


def explained_inputs(
    facts: TraceFacts, step: StepFacts, details: StepDetails, tv: ValueWriter
) -> list[InputExplained]:
    """A step's details in the payload's terms (jacobians as TensorValues written by `tv`)."""
    out: list[InputExplained] = []
    for c, d in zip(step.contributions, details.inputs, strict=False):
        out.append(
            {
                "slot": c.slot,
                "to": c.to,
                "symbol": facts.symbols[c.to],
                "formula": d.formula,
                "formula_value": d.formula_value,
                "jacobian": None if d.jacobian is None else tv(d.jacobian),
            }
        )
    return out


def explain_steps(
    facts: TraceFacts, pass_index: int | None, start: int, stop: int, max_elements: int
) -> TraceDetails:
    """Steps [start, stop) of a pass (default the last) explained, as POST /api/trace/details answers."""
    if not facts.passes:
        raise ProgramError("runtime", "the program made no backward pass: there are no steps to explain")
    p = facts.pass_by_index(pass_index)
    if p is None:
        made = facts.rec.pass_count
        raise ProgramError("runtime", f"there is no pass {pass_index}: the program made {made}")
    index = p.index
    steps: list[StepExplained] = []
    for step in map(p.step, range(start, min(stop, p.step_count))):
        details = explain_step(facts, step, p.raw.kind, p.hooks_at(step.index))
        inputs = explained_inputs(facts, step, details, lambda t: tensor_value(t, max_elements))  # type: ignore[arg-type,return-value]
        steps.append(
            {"index": step.index, "node": step.node, "narration": details.narration, "inputs": inputs}
        )
    return {"pass": index, "from": start, "to": min(stop, p.step_count), "steps": steps}
