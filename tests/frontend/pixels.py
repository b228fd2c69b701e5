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


# Whether Cytoscape (drawing in `selector`'s element) has nothing left to draw, after asking it to draw
# again (`cy.forceRender`). A graph that has not changed for 250 ms is drawn from layers of textures,
# but only at its next drawing: until something draws it again, the picture stays the one drawn node
# by node, and the two differ in about 2,800 pixels on a phone (every node a pixel taller or
# shorter). Which one a screenshot caught depended on the machine's load. The queues of textures
# still to make are the renderer's, not its documented API: this throws if they are gone, so the
# test fails rather than waits on nothing.
_REDRAWN = """(element) => {
  const cy = element._cyreg.cy;
  const renderer = cy.renderer();
  const data = renderer.data;
  const caches = [data.eleTxrCache, data.lblTxrCache, data.slbTxrCache, data.tlbTxrCache];
  const queued = caches.map((cache) => cache.getElementQueue().size());
  const drawn = queued.every((size) => size === 0) && data.lyrTxrCache.layersQueue.size() === 0;
  cy.forceRender();
  return drawn;
}"""


def settled_screenshot(page: Any, selector: str, tries: int = 20) -> bytes:
    """A screenshot of the Cytoscape graph in `selector` once drawing has stopped: drawn again after
    300 ms without a change, nothing queued to draw, and equal to the one taken 300 ms before."""
    last = None
    for _ in range(tries):
        page.wait_for_timeout(300)
        drawn = bool(page.locator(selector).evaluate(_REDRAWN))
        page.wait_for_timeout(100)  # the drawing asked for, in the next frames
        shot = page.locator(selector).screenshot()
        if shot == last and drawn:
            return bytes(shot)
        last = shot
    raise AssertionError(f"{selector} was still changing after {tries} screenshots")
