"""The autograd graph as data: nodes in deterministic topological order, edges producer -> consumer."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from autograd_explorer.errors import ProgramError
from autograd_explorer.trace.backward_capture import Node


@dataclass
class GraphIndex:
    """Nodes in data-flow topological order (producers first); a node's id is its index."""

    nodes: list[Node]
    id_of: dict[int, int]  # id(python node object) -> node id
    # per node, the id of the producer at each input slot (None: no producer in the graph); read
    # once here, because `next_functions` builds new tuples at every call and edges, replay and
    # shaping all need it
    inputs: list[tuple[int | None, ...]]

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
    inputs_of: list[tuple[int | None, ...]] = []
    visiting: set[int] = set()
    for root in roots:
        if root is None or id(root) in id_of:
            continue
        # [node, its producers, next slot to look at]
        stack: list[list[Any]] = [[root, [n for n, _ in root.next_functions], 0]]
        visiting.add(id(root))
        while stack:
            top = stack[-1]
            fn, producers, slot = top
            while slot < len(producers) and (
                producers[slot] is None or id(producers[slot]) in id_of or id(producers[slot]) in visiting
            ):
                slot += 1
            if slot < len(producers):
                top[2] = slot + 1
                child = producers[slot]
                visiting.add(id(child))
                stack.append([child, [n for n, _ in child.next_functions], 0])
                continue
            stack.pop()
            visiting.discard(id(fn))
            id_of[id(fn)] = len(order)
            order.append(fn)
            inputs_of.append(tuple(None if n is None else id_of.get(id(n)) for n in producers))
            if len(order) > max_nodes:
                raise ProgramError(
                    "limit",
                    f"the graph has more than {max_nodes} nodes (max_trace_nodes); trace a smaller program",
                )
    return GraphIndex(order, id_of, inputs_of)


def graph_edges(index: GraphIndex) -> list[dict[str, int]]:
    """Edges in data-flow direction with the consumer's input slot, ordered by consumer then slot."""
    edges: list[dict[str, int]] = []
    for target, producers in enumerate(index.inputs):
        for slot, source in enumerate(producers):
            if source is not None:
                edges.append({"id": len(edges), "source": source, "target": target, "slot": slot})
    return edges
