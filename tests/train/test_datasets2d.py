"""2-D generators: shapes, balance, seeds."""

from __future__ import annotations

import pytest
import torch

from autograd_explorer.train.datasets2d import GENERATORS, make_2d


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_shapes_labels_and_reproducibility(name: str) -> None:
    a = make_2d(name, train_size=101, test_size=50, noise=0.1, seed=3)
    b = make_2d(name, train_size=101, test_size=50, noise=0.1, seed=3)
    c = make_2d(name, train_size=101, test_size=50, noise=0.1, seed=4)
    x_train, y_train, x_test, y_test = a
    assert x_train.shape == (101, 2) and y_train.shape == (101, 1)
    assert x_test.shape == (50, 2) and y_test.shape == (50, 1)
    assert set(torch.cat([y_train, y_test]).reshape(-1).tolist()) == {0.0, 1.0}
    assert all(torch.equal(u, v) for u, v in zip(a, b, strict=True))
    assert not torch.equal(a[0], c[0])


def test_noise_free_circles_lie_on_their_rings() -> None:
    x, y, _, _ = make_2d("circles", train_size=200, test_size=1, noise=0.0, seed=0)
    radius = x.norm(dim=1)
    expected = torch.where(y.reshape(-1) == 1, 0.5, 1.0)
    torch.testing.assert_close(radius, expected)


def test_noise_free_xor_labels_follow_the_signs() -> None:
    x, y, _, _ = make_2d("xor", train_size=300, test_size=1, noise=0.0, seed=1)
    assert torch.equal(y.reshape(-1), (x[:, 0] * x[:, 1] < 0).float())
