import assert from 'node:assert/strict';
import { test } from 'node:test';

// follow.js reads the page's hash when imported: give it a minimal window first.
globalThis.window = { location: { hash: '', pathname: '/', search: '' }, history: { replaceState() {} } };
const { debounce, pageHref, roomFromHash, typedCode, withoutRoom } = await import('../js/shared/follow.js');

test('a room code is read from the hash, typed case and dashes forgiven', () => {
  assert.equal(roomFromHash('#room=ABCDEF'), 'ABCDEF');
  assert.equal(roomFromHash('#src=x&room=abc-def'), 'ABCDEF');
  assert.equal(roomFromHash('#src=x'), null);
  assert.equal(roomFromHash('#myroom=ABCDEF'), null);
  assert.equal(roomFromHash(''), null);
});

test('the room is taken out of the hash, the page state kept', () => {
  assert.equal(withoutRoom('#room=ABCDEF'), '');
  assert.equal(withoutRoom('#src=x&room=ABCDEF&step=2'), '#src=x&step=2');
  assert.equal(withoutRoom('#s=%7B%7D'), '#s=%7B%7D');
});

test('typed codes: six characters of the unambiguous alphabet', () => {
  assert.equal(typedCode(' abc def '), 'ABCDEF');
  assert.equal(typedCode('ab-cd-ef'), 'ABCDEF');
  assert.equal(typedCode('ABCDE0'), null); // 0 is not in the alphabet (O and 0 look alike)
  assert.equal(typedCode('ABCDEFG'), null);
});

test('a follower is sent to the lecturer page, keeping the room', () => {
  assert.equal(pageHref('models', 'ABCDEF'), '/models.html#room=ABCDEF');
  assert.equal(pageHref('explorer', 'ABCDEF'), '/#room=ABCDEF');
  assert.equal(pageHref('nowhere', 'ABCDEF'), null);
});

test('a burst of calls is one call with the last arguments; flush calls at once', async () => {
  const calls = [];
  const later = debounce((x) => calls.push(x), 20);
  later(1);
  later(2);
  later(3);
  assert.deepEqual(calls, []);
  await new Promise((resolve) => setTimeout(resolve, 40));
  assert.deepEqual(calls, [3]);
  later(4);
  later.flush(5);
  await new Promise((resolve) => setTimeout(resolve, 40));
  assert.deepEqual(calls, [3, 5]);
});
