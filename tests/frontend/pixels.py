"""Comparing two screenshots in the browser, which decodes PNG (the test environment has no image
library): how many pixels differ clearly, so anti-aliasing noise between two drawings of one picture
does not count and a cut label does."""

from __future__ import annotations

import base64
from typing import Any

_COUNT = """async ([a, b, threshold]) => {
  const pixels = async (png) => {
    const image = new Image();
    image.src = 'data:image/png;base64,' + png;
    await image.decode();
    const canvas = new OffscreenCanvas(image.width, image.height);
    const context = canvas.getContext('2d');
    context.drawImage(image, 0, 0);
    return context.getImageData(0, 0, image.width, image.height);
  };
  const [first, second] = [await pixels(a), await pixels(b)];
  if (first.width !== second.width || first.height !== second.height) return -1;
  let differing = 0;
  for (let i = 0; i < first.data.length; i += 4) {
    const d = Math.max(...[0, 1, 2].map((c) => Math.abs(first.data[i + c] - second.data[i + c])));
    if (d > threshold) differing += 1;
  }
  return differing;
}"""


def differing_pixels(page: Any, first: bytes, second: bytes, threshold: int = 96) -> int:
    """Pixels whose colour differs by more than `threshold` (of 255) in a channel; -1 if the sizes differ."""
    encoded = [base64.b64encode(png).decode() for png in (first, second)]
    return int(page.evaluate(_COUNT, [*encoded, threshold]))


def settled_screenshot(page: Any, selector: str, tries: int = 20) -> bytes:
    """A screenshot of `selector` once drawing has stopped (Cytoscape draws in animation frames): the
    first that equals the one taken 200 ms before it."""
    last = page.locator(selector).screenshot()
    for _ in range(tries):
        page.wait_for_timeout(200)
        shot = page.locator(selector).screenshot()
        if shot == last:
            return bytes(shot)
        last = shot
    raise AssertionError(f"{selector} was still changing after {tries} screenshots")
