import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { BUNDLES } from '../js/shared/plotly-loader.js';

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

test('the cartesian bundle asks V8 to compile it eagerly, off the main thread', () => {
  // scripts/vendor-frontend.sh writes V8's compile hints magic comment as the bundle's first line: a
  // cold lab open's main thread compiled Plotly's functions one at a time as they were first called.
  const bundle = readFileSync(new URL(`..${BUNDLES.cartesian}`, import.meta.url), 'utf8');
  assert.equal(bundle.split('\n', 1)[0], '//# allFunctionsCalledOnLoad');
});
