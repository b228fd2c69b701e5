import assert from 'node:assert/strict';
import { test } from 'node:test';

import { brokenLine, nodeTitle, TITLE_CHARS, titleLines } from '../js/explorer/state.js';

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
  // The label the server sends now (a long call as the code spells it, its last argument left out):
  // broken after the comma, the second line would be "…)" alone.
  const called = nodeTitle({ name: 'loss', label: 'criterion(model(X_train).squeeze(), …)', op: 'BinaryCrossEntropyBackward0' });
  assert.deepEqual(titleLines(called), ['loss =', 'criterion(model(X_train).squeeze(), …)']);
  assert.deepEqual(brokenLine('aaaa bbbbbbbbbbbbbb, cc', 20), ['aaaa', 'bbbbbbbbbbbbbb, cc']);
  assert.deepEqual(brokenLine('aaaaaaaaaaaaaaaaaaaa, cc', 22), ['aaaaaaaaaaaaaaaaaaaa, cc']); // no space left: whole
});

test('a line wider than its room is broken after a comma that leaves the first half full, else at a space', () => {
  // The deep sigmoid network's accumulator line, in the 26 characters a boxed graph's node keeps.
  const line = 'accumulator 64×16, mean 6.06e−12';
  assert.deepEqual(brokenLine(line, 26), ['accumulator 64×16,', 'mean 6.06e−12']);
  assert.deepEqual(brokenLine(line, line.length), [line]);
  // The comma would leave the first line less than half full: the last space instead.
  assert.deepEqual(brokenLine('a, bbbbbbbbbbbbb cccccccccc', 20), ['a, bbbbbbbbbbbbb', 'cccccccccc']);
  // A comma at the very end of the room still fits: the first line is exactly `chars` long.
  assert.deepEqual(brokenLine('aaaaaaaaa, bbbbbbbbbb', 10), ['aaaaaaaaa,', 'bbbbbbbbbb']);
  // Every character kept but the one space broken at.
  for (const chars of [8, 12, 18, 26]) assert.equal(brokenLine(line, chars).join(' '), line);
});
