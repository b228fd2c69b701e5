import assert from 'node:assert/strict';
import { test } from 'node:test';

import { boundingBox, centreOfMass, inkToRGBA, saliencyToRGBA, SIDE, toMnistPixels } from '../js/models/digits.js';

function square(width, x0, y0, size) {
  const gray = new Uint8ClampedArray(width * width);
  for (let y = y0; y < y0 + size; y += 1) for (let x = x0; x < x0 + size; x += 1) gray[y * width + x] = 255;
  return gray;
}

test('a blank drawing gives a blank image', () => {
  assert.deepEqual(toMnistPixels(new Uint8ClampedArray(280 * 280), 280), new Array(784).fill(0));
});

test('a square drawn in a corner is scaled to 20×20 and centred', () => {
  const pixels = toMnistPixels(square(280, 10, 20, 50), 280);
  const box = boundingBox(pixels, SIDE);
  assert.equal(box.x1 - box.x0 + 1, 20);
  assert.equal(box.y1 - box.y0 + 1, 20);
  const com = centreOfMass(pixels);
  assert.ok(Math.abs(com.x - 13.5) <= 0.5 && Math.abs(com.y - 13.5) <= 0.5, JSON.stringify(com));
  assert.equal(Math.max(...pixels), 255);
});

test('a tall stroke keeps its aspect ratio', () => {
  const gray = new Uint8ClampedArray(280 * 280);
  for (let y = 40; y < 240; y += 1) for (let x = 130; x < 150; x += 1) gray[y * 280 + x] = 255;
  const box = boundingBox(toMnistPixels(gray, 280), SIDE);
  assert.equal(box.y1 - box.y0 + 1, 20);
  assert.equal(box.x1 - box.x0 + 1, 2);
});

test('ink is dark on white; saliency is red for positive, blue for negative, white at zero', () => {
  assert.deepEqual([...inkToRGBA([255, 0])], [0, 0, 0, 255, 255, 255, 255, 255]);
  assert.deepEqual([...saliencyToRGBA([2, -1, 0])], [181, 54, 28, 255, 146, 170, 228, 255, 255, 255, 255, 255]);
});
