"""The trace payload's one typed definition: what readable.py and compact.py fill, what OpenAPI shows.

TypedDicts cost nothing at run time (a 20,000-node payload is built as plain dicts and written by
orjson), mypy checks every builder against them, and pydantic generates the OpenAPI schema from
them (api/schemas/trace.py re-exports them). docs/trace.md describes the same names.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, NotRequired

from pydantic import Field, WithJsonSchema
from typing_extensions import TypedDict  # pydantic needs this one on Python < 3.12

from autograd_explorer.errors import ProgramCall
from autograd_explorer.fields import nested_lists_schema

PassKind = Literal["backward", "grad", "auto"]
MODULE_NORMS = (
    "module path -> L2 norm of the gradients its own parameters received in this pass, in forward order"
)
PRINTED = "What the program printed, line by line, in order (print's sep and end as in Python)"
AUTOGRAD_FUNCTIONS = (
    "the program's own torch.autograd.Function classes, by the op of their nodes (ExpBackward: Exp): "
    "a node whose op is here ran the program's backward, not a PyTorch formula"
)
LOOP = (
    "the line of the innermost for/while statement of the program running when the node was made (a "
    "loop around a call of the program's function counts, a comprehension does not); absent: none, or "
    "a notebook recording (its frames do not say)"
)
LOOP_RUN = (
    "index into loops: the run of that loop statement the node was made in (a loop nested in another "
    "runs once per turn of it, a loop in a function once per call); absent: none"
)
TURN = "which turn of its loop_run made the node, 0: the first; absent: none"
LOOP_VARIABLE = (
    "the loop variable, so that the page can say what each turn's held: counted (`for t in range(1, 7, 2)`, "
    "`for t, x in enumerate(xs, 1)`: turn k had t = start + k·step) or walking a sequence the program "
    "named (`for cell in self.cells`: turn k had cell = over[k]); null for any other loop"
)
LOOP_LABEL = "its header and line, as the explorer titles its box (`for t in range(3) at line 11`)"
LOOP_OVER = "the sequence's source text (`self.cells`) for a loop walking one, else null"
LOOPS = (
    "the runs of loop statements the nodes were made in, and the runs around those, in the order they "
    "started; absent when no node has a loop"
)
CALL_RUN = (
    "index into calls: which call of the program's function made the node (call names the function "
    "and line; two calls on one line, or a recursion's, are two); absent: none, or a notebook recording"
)
CALL_HELD = (
    "the parameters bound to a Python number, in the def's order (`n = 2, lr = 0.01`, cut at 40 "
    "characters), which tell apart calls of one label (a recursion's); null: none"
)
CALLS = (
    "the calls of the program's own functions the nodes were made in, and the calls and loop runs around "
    "those, in the order they started (a call that only passes one call through, making no node and "
    "running no loop, is left out: the call inside it names the call around it); absent when no node "
    "was made in a call"
)
START_NARRATION = (
    "the pass before its first step, in the steps' words: 'Start: the output f = x³ − 3x holds "
    "∂f/∂f = 1 (the seed gradient); every other accumulator is 0.'"
)


class Span(TypedDict):
    line: int
    column: int
    end_line: int
    end_column: int
    file: NotRequired[
        Annotated[
            str,
            Field(
                description="the notebook library only: the file the lines are in when it is not the "
                "recorded block's ('Cell In[2]', 'helpers.py'); never in a trace"
            ),
        ]
    ]


# A tensor's elements as nested lists, one level per dimension (a scalar is a bare number):
# numbers (booleans as 0/1), null for a non-finite element (TensorValue.nonfinite says which).
TENSOR_DATA_SCHEMA = nested_lists_schema([{"type": "number"}, {"type": "null"}], depth=8, deeper=True)


class NonFinite(TypedDict):
    """An element of `data` that is not a finite number (null there)."""

    index: Annotated[list[int], Field(description="its position, one index per dimension ([] for a scalar)")]
    value: Literal["nan", "inf", "-inf"]


class TensorSummary(TypedDict):
    """A large tensor's statistics; null where one is not finite."""

    min: float | None
    max: float | None
    mean: float | None
    std: float | None
    head: Annotated[list[float | None], Field(description="the first elements, in row-major order")]


class TensorValue(TypedDict):
    """A tensor: whole `data` when small, else `summary`. Non-finite elements: null, listed in `nonfinite`."""

    shape: list[int]
    dtype: str
    data: Annotated[
        Any,
        WithJsonSchema(TENSOR_DATA_SCHEMA),
        Field(
            description="the elements as nested lists of numbers, one level per dimension, a bare number "
            "for a scalar; null for an element that is not finite (see nonfinite), so "
            "np.asarray(data, dtype=float) reads it as is (null is nan); booleans are 0/1. The whole "
            "data is null when summarized"
        ),
    ]
    nonfinite: Annotated[
        list[NonFinite],
        Field(
            description="the elements that are nan, inf or -inf (null in data), by index; "
            "a[tuple(e['index'])] = float(e['value']) restores each"
        ),
    ]
    summary: TensorSummary | None
    truncated: bool


class SavedTensor(TypedDict):
    name: str
    shape: list[int]
    value: TensorValue


class TraceNode(TypedDict):
    id: int
    kind: Annotated[str, Field(description="input (a leaf requiring grad, or a constant output) or op")]
    op: Annotated[str, Field(description="PyTorch's grad_fn class name, AccumulateGrad for leaves")]
    label: str
    name: Annotated[str | None, Field(description="the user's variable name")]
    symbol: Annotated[str | None, Field(description="LaTeX symbol (the user's name, else z₁, z₂, … and f)")]
    span: Span | None
    shape: list[int] | None
    dtype: str | None
    value: TensorValue | None
    value_note: str | None
    grad: Annotated[
        TensorValue | None,
        Field(
            description="the tensor's own .grad after the program ran: a leaf's sums every backward call; "
            "an operation's is null unless retain_grad() kept it. What one pass delivered (the "
            "accumulator) is in that pass's steps."
        ),
    ]
    requires_grad: bool
    is_leaf: bool
    is_output: bool
    retains_grad: bool
    saved: list[SavedTensor]
    module: Annotated[
        str | None,
        Field(
            description="the module whose forward made it: its named_modules() path after the "
            "program's name for it (model.fc1)"
        ),
    ]
    call: Annotated[
        str | None, Field(description="the program's function call that made it (f(x) at line 9)")
    ]
    loop: NotRequired[
        Annotated[
            int,
            Field(description=LOOP),
        ]
    ]
    loop_run: NotRequired[Annotated[int, Field(description=LOOP_RUN)]]
    turn: NotRequired[Annotated[int, Field(description=TURN)]]
    call_run: NotRequired[Annotated[int, Field(description=CALL_RUN)]]


class LoopRun(TypedDict):
    """One run of a for/while statement, all its turns."""

    line: Annotated[int, Field(description="the for/while statement's line")]
    label: Annotated[str, Field(description=LOOP_LABEL)]
    outer: Annotated[int | None, Field(description="index into loops: the run around it; null: none")]
    outer_turn: Annotated[int | None, Field(description="the turn of that run it started in, 0: the first")]
    module: Annotated[str | None, Field(description="the module whose forward was running when it started")]
    call: Annotated[
        str | None, Field(description="the program's function call running when it started (f(x) at line 9)")
    ]
    call_run: Annotated[int | None, Field(description="index into calls: that call; null: none")]
    variable: Annotated[str | None, Field(description=LOOP_VARIABLE)]
    start: Annotated[int | None, Field(description="the count's start (null: not counted)")]
    step: Annotated[int | None, Field(description="the count's step (null: not counted)")]
    over: Annotated[str | None, Field(description=LOOP_OVER)]


class CallRun(TypedDict):
    """One call of the program's own function."""

    label: Annotated[
        str, Field(description="its text and line, as the explorer titles its box (f(x) at line 9)")
    ]
    held: Annotated[str | None, Field(description=CALL_HELD)]
    span: Annotated[Span | None, Field(description="the call expression in the program")]
    outer: Annotated[
        int | None, Field(description="index into calls: the call running when it started; null: none")
    ]
    loop_run: Annotated[int | None, Field(description="index into loops: the run it started in; null: none")]
    turn: Annotated[int | None, Field(description="the turn of that run it started in, 0: the first")]
    module: Annotated[str | None, Field(description="the module whose forward was running when it started")]


class TraceEdge(TypedDict):
    id: int
    source: Annotated[int, Field(description="producer node id")]
    target: Annotated[int, Field(description="consumer node id")]
    slot: Annotated[int, Field(description="the consumer's input slot")]


class InputExplained(TypedDict):
    """The details of one contribution (also what POST /api/trace/details answers)."""

    slot: int
    to: int
    symbol: str
    formula: str | None
    formula_value: str | None
    jacobian: Annotated[
        TensorValue | None,
        Field(
            description="the local Jacobian d output / d input, a TensorValue of shape [output elements, "
            "input elements]; null when it was not computed or is larger than max_jacobian_elements"
        ),
    ]


class StepInput(InputExplained):
    contribution: TensorValue | None


class Accumulator(TypedDict):
    node: Annotated[int, Field(description="the node id whose gradient is being summed")]
    grad: Annotated[TensorValue | None, Field(description="its sum so far; null: nothing arrived yet")]


MORE_OUTPUTS = (
    "only for a node with several outputs read by the program (`a, b = x.split(…)`, an LSTM's gates): "
    "the gradient the engine delivered to each output, in output order (grad_output is the first's; "
    "null: none reached that output)"
)


class Step(TypedDict):
    index: int
    node: int
    grad_output: TensorValue | None
    grad_outputs: NotRequired[Annotated[list[TensorValue | None], Field(description=MORE_OUTPUTS)]]
    inputs: list[StepInput]
    accumulators: Annotated[
        list[Accumulator],
        Field(
            description="each node's summed gradient after this step: the nodes of `changed`, each once "
            "and in that order, or every node by id when accumulators_complete (small graphs)"
        ),
    ]
    accumulators_complete: bool
    changed: list[int]
    narration: str
    grad_norm: Annotated[float | None, Field(description="L2 norm of grad_output (null: none or not finite)")]


NODE_GRADS = (
    "the .grad after this call of each graph node that holds one (a leaf that requires grad, a "
    "tensor that retains its gradient), by node id: `grads` is by variable name, and a name bound "
    "again to another tensor names two nodes. Empty for torch.autograd.grad, which leaves .grad alone"
)


class NodeGrad(TypedDict):
    node: int
    grad: Annotated[TensorValue | None, Field(description="null: no .grad (None)")]


HOOKS = (
    "the program's gradient hooks (`y.register_hook(h)`) PyTorch's engine called in this pass, in the "
    "order they ran, each just before the node of step `step`; changed: it returned a tensor, which the "
    "node received in place of what its contributions summed to (its accumulator). Absent when none ran"
)


class HookCall(TypedDict):
    step: Annotated[int, Field(description="the step whose node received the gradient the hook saw")]
    span: Annotated[
        Span | None, Field(description="the register_hook call (null: unknown, in a notebook's library code)")
    ]
    changed: Annotated[
        bool,
        Field(
            description="it returned a tensor, or a module's hook a tuple (else None: the gradient went on)"
        ),
    ]
    kind: Annotated[
        Literal["tensor", "module"],
        Field(
            description="tensor: y.register_hook(h), run before the step's node (a change is what the node "
            "received); module: a module's full backward hook or pre-hook, run after the step's node, "
            "PyTorch's identity around the module's call (a change is what the node sent on)"
        ),
    ]


class Pass(TypedDict):
    index: int
    kind: Annotated[
        str, Field(description="backward, grad (torch.autograd.grad) or auto (run by the tracer)")
    ]
    span: Span | None
    roots: list[int]
    seeds: list[TensorValue | None]
    start_narration: Annotated[str, Field(description=START_NARRATION)]
    steps: list[Step]
    grads: dict[str, TensorValue | None]
    node_grads: Annotated[list[NodeGrad], Field(description=NODE_GRADS)]
    module_grad_norms: Annotated[dict[str, float], Field(description=MODULE_NORMS)]
    hooks: NotRequired[Annotated[list[HookCall], Field(description=HOOKS)]]


class PassSummaries(TypedDict):
    """Every backward pass of the program in numbers, as columns (pass k is position k)."""

    count: Annotated[int, Field(description="passes (backward/autograd.grad calls) the program made")]
    kind: list[str]
    loss: Annotated[
        list[float | None],
        Field(description="the differentiated value (the loss) when one finite number; float32 precision"),
    ]
    grad_norms: Annotated[
        dict[str, list[float | None]],
        Field(
            description="per leaf (the user's name, or module.parameter): the 2-norm of its gradient "
            "after each pass (.grad for backward, the result for autograd.grad); null where the pass "
            "did not reach it"
        ),
    ]
    module_grad_norms: Annotated[
        dict[str, list[float | None]],
        Field(description="per module (model.fc1): the 2-norm of all its parameters' gradients together"),
    ]


SHOWN_PASS = (
    "the pass whose graph and steps are shown: the requested pass_index, else the last. A program of "
    "more than 10 passes ships only this pass's steps and graph (each iteration builds a new graph); "
    "every pass is in pass_summaries"
)


class TraceOutput(TypedDict):
    node: int | None
    name: str | None
    value: TensorValue | None


class TraceStats(TypedDict):
    nodes: int
    edges: int
    steps: Annotated[int, Field(description="steps of the shown pass")]
    passes: Annotated[int, Field(description="backward passes the program made (with steps or not)")]
    trace_ms: float


STOPPED = (
    "present only when the request asked on_error 'graph' and the program raised an error it did not "
    "catch: it stopped there, as in Python, and the trace is the graph made up to it. A backward() "
    "PyTorch's engine stopped (in_backward) is the graph that call was made on, its pass holding the "
    "steps the engine ran before it stopped; an error outside backward leaves the passes run before it "
    "whole"
)


class StoppedAt(TypedDict):
    """Where the program stopped: the error a 400 would have answered, whether a backward pass
    stopped with it, and the node to mark."""

    type: Annotated[
        Literal["runtime", "autograd"],
        Field(description="autograd: raised by a backward()/autograd.grad call; runtime: any other error"),
    ]
    message: Annotated[str, Field(description="PyTorch's (or Python's) own message")]
    line: int | None
    column: Annotated[int | None, Field(description="counted from 0, as in every program error")]
    end_line: int | None
    end_column: int | None
    in_backward: Annotated[
        bool,
        Field(
            description="true: the error stopped the last pass (PyTorch's engine raised inside it), whose "
            "steps are the ones it ran first; false: the program stopped outside a backward pass"
        ),
    ]
    calls: Annotated[
        list[ProgramCall],
        Field(
            description="raised inside the program's functions: the calls it passed through, innermost "
            "first (line is in the innermost function); [] at the program's top level"
        ),
    ]
    file: NotRequired[
        Annotated[
            str,
            Field(
                description="the notebook library only: the file `line` is in when it is not the recorded "
                "block's, as IPython's traceback names it ('Cell In[3]') or its path; never in a trace"
            ),
        ]
    ]
    node: Annotated[
        int | None,
        Field(
            description="in a backward pass, the node the engine stopped at: the one whose saved value "
            "PyTorch refused to hand out (changed in place since it was saved, or freed by an earlier "
            "backward), or the one anomaly mode found sending NaN on (it ran: the pass's last step); "
            "outside one, the tensor the statement that raised was changing in place "
            "(`w -= lr * w.grad`, a leaf that requires grad); null: not known"
        ),
    ]


class TraceResponse(TypedDict):
    """The readable form: the graph, its values, and every backward pass step by step."""

    mode: str
    nodes: list[TraceNode]
    edges: list[TraceEdge]
    autograd_functions: Annotated[dict[str, str], Field(description=AUTOGRAD_FUNCTIONS)]
    output: TraceOutput
    passes: list[Pass]
    pass_summaries: PassSummaries
    shown_pass: Annotated[int | None, Field(description=SHOWN_PASS)]
    grads: dict[str, TensorValue | None]
    grad_history: dict[str, list[TensorValue | None]]
    warnings: list[str]
    printed: Annotated[list[str], Field(description=PRINTED)]
    stats: TraceStats
    stopped: NotRequired[Annotated[StoppedAt, Field(description=STOPPED)]]
    loops: NotRequired[Annotated[list[LoopRun], Field(description=LOOPS)]]
    calls: NotRequired[Annotated[list[CallRun], Field(description=CALLS)]]


# --- the compact form (docs/trace.md, "Compact form"): columns, values by index ------------------
class CompactTransposed(TypedDict):
    value: list[int]
    of: list[int]


class CompactValues(TypedDict):
    count: int
    dtype: list[int]
    shape: list[list[int]]
    offset: Annotated[list[int], Field(description="first number in the buffer; -1: none there")]
    summarized: Annotated[
        list[int],
        Field(description="values whose numbers are min, max, mean, std, head (non-finite ones: nan, inf)"),
    ]
    transposed: Annotated[CompactTransposed, Field(description="2-D values sent as another's transpose")]
    buffer: Annotated[str, Field(description="base64 of float32 little-endian elements")]


class CompactNodeTexts(TypedDict):
    """A text for some of the nodes (a sparse column): node i's is texts[text[k]] where node[k] == i."""

    node: list[int]
    text: Annotated[list[int], Field(description="index into texts")]


class CompactLoops(TypedDict):
    """The loop runs as columns (readable: loops[k])."""

    line: list[int]
    label: list[str]
    outer: Annotated[list[int], Field(description="index into these columns, -1: none")]
    outer_turn: list[int]
    module: Annotated[list[int], Field(description="index into nodes.regions, -1: none")]
    call: Annotated[list[int], Field(description="index into nodes.regions, -1: none")]
    call_run: Annotated[list[int], Field(description="index into nodes.calls' columns, -1: none")]
    variable: Annotated[list[str | None], Field(description=LOOP_VARIABLE)]
    start: list[int | None]
    step: list[int | None]
    over: Annotated[list[str | None], Field(description=LOOP_OVER)]


class CompactCalls(TypedDict):
    """The calls as columns (readable: calls[k])."""

    label: Annotated[list[int], Field(description="index into nodes.regions")]
    held: Annotated[list[str | None], Field(description=CALL_HELD)]
    span: Annotated[
        list[int], Field(description="the call expression: line, column, end_line, end_column per call")
    ]
    outer: Annotated[list[int], Field(description="index into these columns, -1: none")]
    loop_run: Annotated[list[int], Field(description="index into nodes.loops' columns, -1: none")]
    turn: Annotated[list[int], Field(description="the turn of that run, 0 where loop_run is -1")]
    module: Annotated[list[int], Field(description="index into nodes.regions, -1: none")]


class CompactNodes(TypedDict):
    count: int
    op: list[int]
    flags: Annotated[list[int], Field(description="1 requires_grad, 2 is_leaf, 4 is_output, 8 retains_grad")]
    texts: Annotated[list[str], Field(description="every label, name, symbol, saved name and note once")]
    label: Annotated[list[int], Field(description="index into texts")]
    name: Annotated[list[int], Field(description="index into texts, -1: none")]
    symbol: Annotated[list[int], Field(description="index into texts, -1: none")]
    span: Annotated[list[int], Field(description="4 per node; line 0: no span")]
    span_files: NotRequired[
        Annotated[
            CompactNodeTexts,
            Field(
                description="the notebook library only, when any: the file of the spans not in the "
                "recorded block's file (a function of another cell), as Span.file"
            ),
        ]
    ]
    shape: list[list[int] | None]
    dtype: list[int]
    value: list[int]
    grad: list[int]
    notes: Annotated[CompactNodeTexts, Field(description="value_note of the nodes that have one")]
    saved_start: list[int]
    saved_name: Annotated[list[int], Field(description="index into texts")]
    saved_value: list[int]
    regions: Annotated[list[str], Field(description="module paths and call labels, indexed by module/call")]
    module: Annotated[list[int], Field(description="index into regions, -1: none")]
    call: Annotated[list[int], Field(description="index into regions, -1: none")]
    loop: NotRequired[
        Annotated[
            list[int],
            Field(description="each node's loop as node.loop reads it, 0: none; absent when no node has one"),
        ]
    ]
    loop_run: NotRequired[
        Annotated[list[int], Field(description="index into loops' columns, -1: none; absent with loop")]
    ]
    turn: NotRequired[Annotated[list[int], Field(description="as node.turn, 0 where loop_run is -1")]]
    loops: NotRequired[Annotated[CompactLoops, Field(description=LOOPS)]]
    call_run: NotRequired[
        Annotated[list[int], Field(description="index into calls' columns, -1: none; absent with calls")]
    ]
    calls: NotRequired[Annotated[CompactCalls, Field(description=CALLS)]]


class CompactEdges(TypedDict):
    count: int
    source: list[int]
    target: list[int]
    slot: list[int]


class CompactMoreOutputs(TypedDict):
    """Outputs past the first of steps whose node has several (a row per output that has one)."""

    step: list[int]
    output: list[int]
    value: Annotated[list[int], Field(description="value index, -1: no gradient reached that output")]


class CompactSteps(TypedDict):
    count: int
    node: list[int]
    grad_output: list[int]
    more_outputs: NotRequired[Annotated[CompactMoreOutputs, Field(description=MORE_OUTPUTS)]]
    start: list[int]
    slot: list[int]
    to: list[int]
    value: list[int]
    accumulated: list[int]
    grad_norm: Annotated[
        list[float | None], Field(description="per step: L2 norm of its grad_output (float32 precision)")
    ]


class CompactNodeGrads(TypedDict):
    node: list[int]
    value: Annotated[list[int], Field(description="value index of each node's .grad, -1: None")]


class CompactPass(TypedDict):
    index: int
    kind: str
    span: Span | None
    roots: list[int]
    seeds: list[int]
    start_narration: Annotated[str, Field(description=START_NARRATION)]
    grads: dict[str, int]
    node_grads: Annotated[CompactNodeGrads, Field(description=NODE_GRADS)]
    steps: CompactSteps
    module_grad_norms: Annotated[dict[str, float], Field(description=MODULE_NORMS)]
    hooks: NotRequired[Annotated[list[HookCall], Field(description=HOOKS)]]


class CompactOutput(TypedDict):
    node: int | None
    name: str | None
    value: int


class CompactTrace(TypedDict):
    """The compact form: every fact once, tensors in one float32 buffer, no step details."""

    format: Literal["compact"]
    version: int
    mode: str
    dtypes: list[str]
    ops: list[str]
    autograd_functions: Annotated[dict[str, str], Field(description=AUTOGRAD_FUNCTIONS)]
    values: CompactValues
    nodes: CompactNodes
    edges: CompactEdges
    output: CompactOutput
    passes: list[CompactPass]
    pass_summaries: PassSummaries
    shown_pass: Annotated[int | None, Field(description=SHOWN_PASS)]
    grads: dict[str, int]
    grad_history: dict[str, list[int]]
    warnings: list[str]
    printed: Annotated[list[str], Field(description=PRINTED)]
    stats: TraceStats
    stopped: NotRequired[Annotated[StoppedAt, Field(description=STOPPED)]]


# --- details on demand -------------------------------------------------------------------------
class StepExplained(TypedDict):
    index: int
    node: int
    narration: str
    inputs: list[InputExplained]


# "pass" and "from" are Python keywords: the functional syntax allows them as keys.
TraceDetails = TypedDict("TraceDetails", {"pass": int, "from": int, "to": int, "steps": list[StepExplained]})
TraceDetails.__doc__ = "POST /api/trace/details: the explanation of steps [from, to) of one pass."
