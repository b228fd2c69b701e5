"""graph.index_graph: the iterative numbering against a recursive post-order DFS written here."""

from __future__ import annotations

import random

import pytest
import torch

from autograd_explorer.errors import ProgramError
from autograd_explorer.trace.backward_capture import Node
from autograd_explorer.trace.graph import index_graph


def recursive_order(roots: list[Node | None]) -> list[Node]:
    """The oracle: each root in turn, producers in slot order, a node after all its producers."""
    order: list[Node] = []
    done: set[int] = set()

    def visit(fn: Node) -> None:
        for n, _ in fn.next_functions:
            if n is not None and id(n) not in done:
                visit(n)
        done.add(id(fn))
        order.append(fn)

    for root in roots:
        if root is not None and id(root) not in done:
            visit(root)
    return order


def random_graph(seed: int, ops: int) -> list[Node | None]:
    """Roots of a random DAG: shared inputs, several slots, constants (None producers), leaves."""
    rng = random.Random(seed)
    leaves = [torch.randn(3, requires_grad=True) for _ in range(4)]
    values = list(leaves)
    for _ in range(ops):
        a, b = rng.choice(values[-6:]), rng.choice(values)
        kind = rng.randrange(4)
        if kind == 0:
            values.append(a * b)
        elif kind == 1:
            values.append(a + b.sin())
        elif kind == 2:
            values.append(torch.stack([a, b, a * 2.0]).sum(0))
        else:
            values.append(a.exp() * 3.0)  # a constant operand: a None producer
    leaf_node = leaves[0].view_as(leaves[0]).grad_fn.next_functions[0][0]  # type: ignore[union-attr]
    return [values[-1].sum().grad_fn, None, values[len(values) // 2].grad_fn, leaf_node]


@pytest.mark.parametrize("seed", range(5))
def test_numbering_is_the_recursive_post_order(seed: int) -> None:
    roots = random_graph(seed, 120)
    index = index_graph(roots, 10_000)
    expected = recursive_order(roots)
    assert [id(n) for n in index.nodes] == [id(n) for n in expected]
    assert index.id_of == {id(n): i for i, n in enumerate(expected)}
    for i, fn in enumerate(expected):
        producers = [None if n is None else index.id_of[id(n)] for n, _ in fn.next_functions]
        assert list(index.inputs[i]) == producers
        assert all(p is None or p < i for p in producers)  # producers first


def test_more_nodes_than_the_limit_is_a_limit() -> None:
    roots = random_graph(0, 50)
    size = len(index_graph(roots, 10_000).nodes)
    index_graph(roots, size)  # exactly the limit is allowed
    with pytest.raises(ProgramError, match="more than"):
        index_graph(roots, size - 1)
