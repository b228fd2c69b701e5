import assert from 'node:assert/strict';
import { afterEach, beforeEach, mock, test } from 'node:test';

import { deferredWriter, replaceHash } from '../js/shared/deferred-url.js';

// Fake timers, and a fake requestIdleCallback whose callbacks run only when the test says the
// browser is idle (so "after the delay but before idle time" can be observed).
let idleQueue;
beforeEach(() => {
  mock.timers.enable({ apis: ['setTimeout'] });
  idleQueue = [];
  globalThis.requestIdleCallback = (fn, options) => idleQueue.push({ fn, options });
});
afterEach(() => {
  mock.timers.reset();
  delete globalThis.requestIdleCallback;
});
function goIdle() {
  const queued = idleQueue.splice(0);
  for (const { fn } of queued) fn();
}

function counter() {
  const writes = [];
  let value = 0;
  return { writes, set: (v) => (value = v), write: () => writes.push(value) };
}

test('a burst of changes is written once, after the delay, with the state as it is then', () => {
  const state = counter();
  const writer = deferredWriter(state.write, { delayMs: 200 });
  for (let step = 1; step <= 5; step += 1) {
    state.set(step);
    writer.schedule();
    mock.timers.tick(30);
  }
  assert.deepEqual(state.writes, [], 'nothing is written inside the burst');
  assert.equal(writer.pending, true);
  mock.timers.tick(200 - 5 * 30 - 1);
  assert.deepEqual(state.writes, [], 'the delay counts from the first change of the burst');
  mock.timers.tick(1);
  assert.deepEqual(state.writes, [5]);
  assert.equal(writer.pending, false);
  state.set(6);
  writer.schedule();
  mock.timers.tick(200);
  assert.deepEqual(state.writes, [5, 6], 'the next burst is written on its own');
});

test('with idle, the write waits for idle time after the delay, with a timeout', () => {
  const state = counter();
  const writer = deferredWriter(state.write, { delayMs: 200, idle: true, idleTimeoutMs: 1000 });
  state.set(1);
  writer.schedule();
  mock.timers.tick(199);
  assert.equal(idleQueue.length, 0);
  mock.timers.tick(1);
  assert.equal(idleQueue.length, 1);
  assert.deepEqual(idleQueue[0].options, { timeout: 1000 });
  assert.deepEqual(state.writes, [], 'not written before the browser is idle');
  state.set(2);
  writer.schedule();
  assert.equal(idleQueue.length, 1, 'a change while waiting for idle time joins the pending write');
  goIdle();
  assert.deepEqual(state.writes, [2]);
  assert.equal(writer.pending, false);
});

test('a write at once cancels the pending one (it would be stale)', () => {
  const state = counter();
  const writer = deferredWriter(state.write, { delayMs: 200 });
  writer.schedule();
  state.set(1);
  writer.now();
  assert.deepEqual(state.writes, [1]);
  mock.timers.tick(1000);
  assert.deepEqual(state.writes, [1], 'the cancelled timer writes nothing');
});

test('a write at once while waiting for idle time makes the idle callback stale', () => {
  const state = counter();
  const writer = deferredWriter(state.write, { delayMs: 200, idle: true });
  writer.schedule();
  mock.timers.tick(200);
  assert.equal(idleQueue.length, 1);
  state.set(1);
  writer.now();
  const stale = idleQueue.splice(0);
  // A new burst starts before the stale idle callback runs: only the new one may write.
  state.set(2);
  writer.schedule();
  for (const { fn } of stale) fn();
  assert.deepEqual(state.writes, [1], 'the stale idle callback writes nothing');
  assert.equal(writer.pending, true);
  mock.timers.tick(200);
  goIdle();
  assert.deepEqual(state.writes, [1, 2]);
});

test('without requestIdleCallback the idle write runs in the next task', () => {
  delete globalThis.requestIdleCallback;
  const state = counter();
  const writer = deferredWriter(state.write, { delayMs: 200, idle: true });
  writer.schedule();
  mock.timers.tick(199);
  assert.deepEqual(state.writes, []);
  mock.timers.tick(1); // the delay, then a timer of 0 ms in its place
  assert.deepEqual(state.writes, [0]);
  assert.equal(writer.pending, false);
});

test('pagehide flushes a pending write, and writes nothing when none is pending', () => {
  const page = new EventTarget();
  const state = counter();
  const writer = deferredWriter(state.write, { delayMs: 200, idle: true, flushOn: page });
  page.dispatchEvent(new Event('pagehide'));
  assert.deepEqual(state.writes, [], 'nothing pending: nothing written');
  state.set(1);
  writer.schedule();
  page.dispatchEvent(new Event('pagehide'));
  assert.deepEqual(state.writes, [1], 'the pending change is not lost as the page goes');
  mock.timers.tick(200);
  goIdle();
  assert.deepEqual(state.writes, [1], 'and it is not written a second time');
});

test('replaceHash replaces the hash in place, and leaves an unchanged URL alone', () => {
  const calls = [];
  globalThis.window = {
    location: { pathname: '/optimize.html', search: '?a=1', hash: '#s=old' },
    history: { replaceState: (...args) => calls.push(args) },
  };
  try {
    replaceHash('s=new');
    assert.deepEqual(calls, [[null, '', '/optimize.html?a=1#s=new']]);
    replaceHash('s=old');
    assert.equal(calls.length, 1, 'the same URL: no history call (each counts as a navigation)');
    replaceHash('');
    assert.deepEqual(calls[1], [null, '', '/optimize.html?a=1'], 'no state: no hash at all');
  } finally {
    delete globalThis.window;
  }
});
