import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { BUNDLES, loadPlotlyWhenQuiet } from '../js/shared/plotly-loader.js';

// The lab pages fetch Plotly from their <head> (issue 13: usable within 1 s of opening) and the
// loader later inserts a script of the same URL, which then takes the preloaded response: a
// different URL would download and parse the 1.5 MB bundle twice.
for (const page of ['optimize.html', 'regression.html', 'pitfall.html']) {
  test(`${page} preloads the Plotly bundle the loader asks for`, () => {
    const html = readFileSync(new URL(`../${page}`, import.meta.url), 'utf8');
    const preloads = [...html.matchAll(/<link rel="preload" href="([^"]+)" as="script">/g)].map((m) => m[1]);
    assert.deepEqual(preloads, [BUNDLES.cartesian]);
  });
}

/** Timers the test runs by hand: `advance(ms)` fires what is due, idle callbacks at once. */
function fakeTimers() {
  let now = 0;
  let next = 1;
  const due = new Map();
  return {
    setTimeout: (fn, ms) => {
      due.set(next, { at: now + ms, fn });
      return next++;
    },
    clearTimeout: (id) => due.delete(id),
    requestIdleCallback: (fn) => fn(),
    advance(ms) {
      now += ms;
      for (const [id, t] of [...due].sort((a, b) => a[1].at - b[1].at)) {
        if (t.at <= now && due.delete(id)) t.fn();
      }
    },
  };
}

test('Plotly is parsed after a quiet moment, and each input starts the wait again', () => {
  const timers = fakeTimers();
  const target = new EventTarget();
  let loads = 0;
  loadPlotlyWhenQuiet({ quietMs: 1500, target, timers, load: async () => { loads += 1; } });
  timers.advance(1000);
  target.dispatchEvent(new Event('keydown')); // a first → at 1 s
  timers.advance(1000);
  assert.equal(loads, 0); // 1 s after the key: still waiting
  target.dispatchEvent(new Event('pointerdown'));
  timers.advance(1499);
  assert.equal(loads, 0);
  timers.advance(1);
  assert.equal(loads, 1);
  target.dispatchEvent(new Event('keydown')); // once loaded, input changes nothing
  timers.advance(5000);
  assert.equal(loads, 1);
});

test('a cancelled wait loads nothing', () => {
  const timers = fakeTimers();
  let loads = 0;
  const cancel = loadPlotlyWhenQuiet({ target: new EventTarget(), timers, load: async () => { loads += 1; } });
  cancel();
  timers.advance(10_000);
  assert.equal(loads, 0);
});
