import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { BUNDLES } from '../js/shared/plotly-loader.js';

// The lab pages draw their first view without Plotly (js/shared/first-plot.js) and run it after.
// A <link rel="preload"> of the bundle had V8 compile all of it (the compile hint below) on its
// streaming thread during that first view, on a 2-core machine against the page's own work: cold
// opens without the preload, alternated with it, load 7-18, were as fast or faster in 5 of 6
// page medians (lab 871 / 986 against 970 / 1760 ms). The loader fetches it once released.
for (const page of ['optimize.html', 'regression.html', 'pitfall.html']) {
  test(`${page} does not preload Plotly, which its first view does not need`, () => {
    const html = readFileSync(new URL(`../${page}`, import.meta.url), 'utf8');
    assert.ok(!html.includes(BUNDLES.cartesian), `${page} names ${BUNDLES.cartesian}`);
    assert.match(html, /<link rel="modulepreload" href="\/js\/shared\/first-plot\.js">/);
  });
}

test('the cartesian bundle asks V8 to compile it eagerly, off the main thread', () => {
  // scripts/vendor-frontend.sh writes V8's compile hints magic comment as the bundle's first line: a
  // cold lab open's main thread compiled Plotly's functions one at a time as they were first called.
  const bundle = readFileSync(new URL(`..${BUNDLES.cartesian}`, import.meta.url), 'utf8');
  assert.equal(bundle.split('\n', 1)[0], '//# allFunctionsCalledOnLoad');
});
