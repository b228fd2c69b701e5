"""The IDX reader against the shared MNIST files and hand-made IDX bytes."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest
import torch

from autograd_explorer.errors import DataUnavailable
from autograd_explorer.train.mnist import (
    check_available,
    load_split,
    normalize,
    parity_tensors,
    parse_idx,
    read_bytes,
)
from tests.conftest import MNIST_DIR


def idx_bytes(magic: int, array: np.ndarray) -> bytes:
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape)
    return header + array.astype(np.uint8).tobytes()


def test_shared_files_have_mnist_counts_and_known_labels() -> None:
    train, test = load_split(MNIST_DIR, "train"), load_split(MNIST_DIR, "test")
    assert train.images.shape == (60_000, 28, 28) and train.digits.shape == (60_000,)
    assert test.images.shape == (10_000, 28, 28) and test.digits.shape == (10_000,)
    # The first labels of the original files: train starts 5 0 4 1 9, t10k starts 7 2 1 0 4.
    assert train.digits[:5].tolist() == [5, 0, 4, 1, 9]
    assert test.digits[:5].tolist() == [7, 2, 1, 0, 4]
    assert train.images.dtype == np.uint8 and int(train.images.max()) == 255


def test_parity_tensors_normalize_and_label_odd_digits() -> None:
    x, y = parity_tensors(MNIST_DIR, "test", 5)
    assert x.shape == (5, 784) and y.shape == (5, 1)
    assert y.reshape(-1).tolist() == [1.0, 0.0, 1.0, 0.0, 0.0]  # digits 7 2 1 0 4
    raw = torch.from_numpy(load_split(MNIST_DIR, "test").images[0].astype(np.float64))
    expected = ((raw / 255 - 0.1307) / 0.3081).reshape(784)
    torch.testing.assert_close(x[0].double(), expected, rtol=1e-6, atol=1e-6)


def test_raw_and_gzip_files_read_the_same(tmp_path: Path) -> None:
    images = np.arange(2 * 28 * 28).reshape(2, 28, 28) % 256
    data = idx_bytes(2051, images)
    (tmp_path / "raw").write_bytes(data)
    (tmp_path / "packed").write_bytes(gzip.compress(data))
    for name in ("raw", "packed"):
        a = parse_idx(read_bytes(tmp_path / name), magic=2051, dims=3, where=name)
        assert np.array_equal(a, images)


def test_wrong_magic_and_truncated_files_are_refused() -> None:
    labels = np.array([1, 2, 3])
    with pytest.raises(DataUnavailable, match="magic number 2049, expected 2051"):
        parse_idx(idx_bytes(2049, labels), magic=2051, dims=1, where="f")
    with pytest.raises(DataUnavailable, match=r"header says \(3,\) = 3 bytes, file has 2"):
        parse_idx(idx_bytes(2049, labels)[:-1], magic=2049, dims=1, where="f")


def test_missing_directory_names_the_folder_and_the_files(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    with pytest.raises(DataUnavailable) as info:
        check_available(missing)
    message = str(info.value)
    assert f"the folder {missing} does not exist" in message
    assert "train-images-idx3-ubyte.gz" in message and "t10k-labels-idx1-ubyte.gz" in message
    assert "AUTOGRAD_EXPLORER_MNIST_DIR" in message


def test_normalize_is_the_lectures() -> None:
    pixels = torch.zeros(28, 28)
    pixels[3, 4] = 255.0
    x = normalize(pixels)
    assert x.shape == (1, 784)
    torch.testing.assert_close(x[0, 0], torch.tensor(-0.1307 / 0.3081))
    torch.testing.assert_close(x[0, 3 * 28 + 4], torch.tensor((1 - 0.1307) / 0.3081))
