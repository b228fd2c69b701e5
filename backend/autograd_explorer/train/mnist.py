"""MNIST from the original IDX files (gzip or raw), read with numpy; no torchvision.

IDX: a big-endian header (magic, then one uint32 per dimension) followed by uint8 data.
Images have magic 2051 and dims N x 28 x 28, labels magic 2049 and dims N.
"""

from __future__ import annotations

import gzip
import hashlib
import urllib.request
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch

from autograd_explorer.errors import DataUnavailable

Split = Literal["train", "test"]

IMAGES_MAGIC = 2051
LABELS_MAGIC = 2049
IMAGE_SIDE = 28
MEAN, STD = 0.1307, 0.3081  # the lecture's normalization

FILES: dict[Split, tuple[str, str]] = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
COUNTS: dict[Split, int] = {"train": 60_000, "test": 10_000}

# MD5 of the uncompressed files as published with MNIST: a download is checked against these.
UNCOMPRESSED_MD5 = {
    "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
    "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
    "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
    "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637",
}


class IdxFormatError(DataUnavailable):
    """An IDX file whose header or size is not what MNIST's format says."""


@dataclass(frozen=True)
class MnistSplit:
    """Raw images (N, 28, 28) uint8 and digit labels (N,) uint8 of one split."""

    images: np.ndarray[Any, np.dtype[np.uint8]]
    digits: np.ndarray[Any, np.dtype[np.uint8]]


def expected_files() -> list[str]:
    """The four file names looked for (each may also end in .gz)."""
    return [name for pair in FILES.values() for name in pair]


def _missing(directory: Path | None, what: str) -> DataUnavailable:
    files = ", ".join(f"{n}.gz" for n in expected_files())
    return DataUnavailable(
        f"MNIST data unavailable: {what}. Expected the files {files} (gzip or raw) in "
        f"{directory}; set AUTOGRAD_EXPLORER_MNIST_DIR to their folder"
    )


def _find(directory: Path, name: str) -> Path:
    for candidate in (directory / f"{name}.gz", directory / name):
        if candidate.is_file():
            return candidate
    raise _missing(directory, f"{name}.gz not found in {directory}")


def check_available(directory: Path | None) -> Path:
    """The MNIST folder if all four files are there; DataUnavailable naming folder and files if not."""
    if directory is None:
        raise _missing(directory, "no MNIST folder is configured")
    if not directory.is_dir():
        raise _missing(directory, f"the folder {directory} does not exist")
    for name in expected_files():
        _find(directory, name)
    return directory


def read_bytes(path: Path) -> bytes:
    """A file's bytes, gunzipped if it starts with gzip's magic."""
    with path.open("rb") as f:
        head = f.read(2)
    if head == b"\x1f\x8b":  # gzip magic: the usual distribution format
        with gzip.open(path, "rb") as g:
            return g.read()
    return path.read_bytes()


def parse_idx(data: bytes, *, magic: int, dims: int, where: str) -> np.ndarray[Any, np.dtype[np.uint8]]:
    """The uint8 array of an IDX payload, after checking magic number, rank and length."""
    header_len = 4 + 4 * dims
    if len(data) < header_len:
        raise IdxFormatError(f"{where}: too short for an IDX header ({len(data)} bytes)")
    found = int.from_bytes(data[:4], "big")
    if found != magic:
        raise IdxFormatError(f"{where}: magic number {found}, expected {magic}")
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(dims))
    size = int(np.prod(shape))
    if len(data) - header_len != size:
        raise IdxFormatError(
            f"{where}: header says {shape} = {size} bytes, file has {len(data) - header_len}"
        )
    return np.frombuffer(data, dtype=np.uint8, offset=header_len).reshape(shape)


@lru_cache(maxsize=4)
def load_split(directory: Path, split: Split) -> MnistSplit:
    """Images and labels of one split, checked against MNIST's counts (cached per process)."""
    check_available(directory)
    images_name, labels_name = FILES[split]
    images_path, labels_path = _find(directory, images_name), _find(directory, labels_name)
    images = parse_idx(read_bytes(images_path), magic=IMAGES_MAGIC, dims=3, where=str(images_path))
    digits = parse_idx(read_bytes(labels_path), magic=LABELS_MAGIC, dims=1, where=str(labels_path))
    if images.shape[1:] != (IMAGE_SIDE, IMAGE_SIDE):
        raise IdxFormatError(f"{images_path}: images are {images.shape[1:]}, expected (28, 28)")
    if images.shape[0] != digits.shape[0] or images.shape[0] != COUNTS[split]:
        raise IdxFormatError(
            f"{directory}: {images.shape[0]} images and {digits.shape[0]} labels, "
            f"expected {COUNTS[split]} of each for the {split} split"
        )
    return MnistSplit(images=images, digits=digits)


def normalize(pixels: torch.Tensor) -> torch.Tensor:
    """Pixels 0–255 → the lecture's model input: (x/255 − 0.1307)/0.3081, flattened to 784."""
    return ((pixels.to(torch.float32) / 255.0 - MEAN) / STD).reshape(-1, IMAGE_SIDE * IMAGE_SIDE)


def parity_tensors(
    directory: Path, split: Split, size: int | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """(X, y) for odd/even: X (N, 784) normalized, y (N, 1) with 1.0 for an odd digit.

    `size` keeps the first N images of the split (deterministic subsets for quick runs).
    """
    data = load_split(directory, split)
    n = data.images.shape[0] if size is None else min(size, data.images.shape[0])
    pixels = torch.from_numpy(data.images[:n].copy())
    labels = torch.from_numpy((data.digits[:n] % 2).astype(np.float32)).reshape(-1, 1)
    return normalize(pixels), labels


MNIST_URL = "https://storage.googleapis.com/cvdf-datasets/mnist/"


def download_mnist(directory: Path, base_url: str = MNIST_URL) -> list[Path]:
    """Fetch the four gzip files into `directory`, keeping each only if its content's MD5 matches.

    `autograd-explorer download-mnist` calls it (cli_mnist.py) with the setting `mnist_url`; the
    server never downloads on its own.
    """
    directory.mkdir(parents=True, exist_ok=True)
    saved = []
    for name, md5 in UNCOMPRESSED_MD5.items():
        target = directory / f"{name}.gz"
        if target.is_file() and hashlib.md5(read_bytes(target)).hexdigest() == md5:
            saved.append(target)
            continue
        with urllib.request.urlopen(base_url + f"{name}.gz", timeout=60) as response:
            payload = response.read()
        if hashlib.md5(gzip.decompress(payload)).hexdigest() != md5:
            raise DataUnavailable(f"download of {name}.gz failed its checksum; nothing written")
        tmp = target.with_suffix(".part")
        tmp.write_bytes(payload)
        tmp.replace(target)
        saved.append(target)
    return saved
