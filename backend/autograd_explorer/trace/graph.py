"""The autograd graph as data: nodes in deterministic topological order, edges producer -> consumer."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from autograd_explorer.errors import ProgramError
from autograd_explorer.trace.backward_capture import Node


@dataclass
class GraphIndex:
    """Nodes in data-flow topological order (producers first); a node's id is its index."""

    nodes: list[Node]
    id_of: dict[int, int]  # id(python node object) -> node id

    def node_id(self, fn: Node | None) -> int | None:
        """The id of a node of this graph, None if it is not in it."""
        return None if fn is None else self.id_of.get(id(fn))


def index_graph(roots: Iterable[Node], max_nodes: int) -> GraphIndex:
    """Post-order DFS from each root in turn: producers before consumers, ties by input slot.

    Iterative, because a 5,000-step chain is 5,000 deep; deterministic, because ids must be
    comparable across runs (never Python's id()).
    """
    order: list[Node] = []
    id_of: dict[int, int] = {}
    visiting: set[int] = set()
    for root in roots:
        if root is None or id(root) in id_of:
            continue
        stack: list[tuple[Node, int]] = [(root, 0)]
        visiting.add(id(root))
        while stack:
            fn, slot = stack[-1]
            inputs = fn.next_functions
            while slot < len(inputs) and (
                inputs[slot][0] is None or id(inputs[slot][0]) in id_of or id(inputs[slot][0]) in visiting
            ):
                slot += 1
            if slot < len(inputs):
                stack[-1] = (fn, slot + 1)
                child = inputs[slot][0]
                visiting.add(id(child))
                stack.append((child, 0))
                continue
            stack.pop()
            visiting.discard(id(fn))
            id_of[id(fn)] = len(order)
            order.append(fn)
            if len(order) > max_nodes:
                raise ProgramError(
                    "limit",
                    f"the graph has more than {max_nodes} nodes (max_trace_nodes); trace a smaller program",
                )
    return GraphIndex(order, id_of)


def graph_edges(index: GraphIndex) -> list[dict[str, int]]:
    """Edges in data-flow direction with the consumer's input slot, ordered by consumer then slot."""
    edges: list[dict[str, int]] = []
    for target, fn in enumerate(index.nodes):
        for slot, (producer, _) in enumerate(fn.next_functions):
            source = index.node_id(producer)
            if source is not None:
                edges.append({"id": len(edges), "source": source, "target": target, "slot": slot})
    return edges
