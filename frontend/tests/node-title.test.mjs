import assert from 'node:assert/strict';
import { test } from 'node:test';

import { nodeTitle, TITLE_CHARS, titleLines } from '../js/explorer/state.js';

test("a long node title takes two lines, broken at a space, the first within TITLE_CHARS", () => {
  // SimpleNN's loss (the lecture's): one line of 61 characters was wider than a phone's screen.
  const loss = { name: 'loss', label: 'binarycrossentropy (criterion(model(X_train).squeeze…)', op: 'BinaryCrossEntropyBackward0' };
  const title = nodeTitle(loss);
  assert.equal(title.length, 61);
  assert.deepEqual(titleLines(title), ['loss = binarycrossentropy', '(criterion(model(X_train).squeeze…)']);
  assert.equal(titleLines(title).join(' '), title); // nothing lost but the space
  // Short titles, and one with no space to break at, stay whole.
  assert.deepEqual(titleLines('z₁ = x ** 3'), ['z₁ = x ** 3']);
  const exact = 'a'.repeat(TITLE_CHARS);
  assert.deepEqual(titleLines(exact), [exact]);
  const unbroken = 'b'.repeat(TITLE_CHARS + 10);
  assert.deepEqual(titleLines(unbroken), [unbroken]);
  const words = `${'c'.repeat(TITLE_CHARS - 1)} d e`;
  assert.deepEqual(titleLines(words), ['c'.repeat(TITLE_CHARS - 1), 'd e']);
});
