import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

// Each page names every module it imports in its <head> (issue 13: the first open within 1 s). A
// preload of a URL no module imports (a vendor file renamed, an import path spelled another way)
// would be a download for nothing and the import a second one; one missed, a round trip per level.
const root = new URL('../', import.meta.url);

/** The URLs (from the site's root) that the module at `url` imports statically. */
function importsOf(url) {
  const text = readFileSync(new URL(url.slice(1), root), 'utf8');
  return [...text.matchAll(/\bfrom\s+'([^']+)'/g)].map((match) => new URL(match[1], new URL(url, 'http://site')).pathname);
}

/** Every module a page's entry modules import, directly or not (the entries themselves left out). */
function importClosure(entries) {
  const seen = new Set();
  const visit = (url) => {
    if (seen.has(url)) return;
    seen.add(url);
    importsOf(url).forEach(visit);
  };
  for (const entry of entries) visit(entry);
  return [...seen].filter((url) => !entries.includes(url)).sort();
}

// The lab pages name every module they import, so none waits for its importer to arrive and be parsed
// first (they are 3–4 levels deep). One missed is a round trip per level again; one too many a download
// for nothing.
// The explorer too: its modules are 4–5 levels deep, the large vendor bundles at the leaves, and a
// cold browser's open waited for the last level (~0.6 s after main.js at load 7).
for (const page of ['index.html', 'optimize.html', 'regression.html', 'pitfall.html', 'models.html']) {
  test(`${page} preloads exactly the modules its scripts import`, () => {
    const html = readFileSync(new URL(page, root), 'utf8');
    const entries = [...html.matchAll(/<script type="module" (?:async )?src="([^"]+)">/g)].map((m) => m[1]);
    const preloads = [...html.matchAll(/<link rel="modulepreload" href="([^"]+)">/g)].map((m) => m[1]).sort();
    assert.ok(entries.length >= 2, 'the page module and the top bar tools');
    assert.deepEqual(preloads, importClosure(entries));
  });
}

test('index.html preloads every module early-trace.js imports', () => {
  const html = readFileSync(new URL('index.html', root), 'utf8');
  const preloads = new Set([...html.matchAll(/<link rel="modulepreload" href="([^"]+)">/g)].map((m) => m[1]));
  for (const url of importClosure(['/js/explorer/early-trace.js'])) assert.ok(preloads.has(url), `${url} is not preloaded`);
});

test('index.html has the server write the examples menu before any module, as early-trace.js reads it', () => {
  // api/explorer_page.py replaces the marker with a JSON block (id examples-data) that early-trace.js
  // reads when it runs: no request, so the opening example's trace leaves at once.
  const html = readFileSync(new URL('index.html', root), 'utf8');
  const marker = html.indexOf('<!-- examples-data -->');
  assert.ok(marker > 0, 'the marker is in <head>');
  assert.ok(marker < html.indexOf('<link rel="modulepreload"'), 'before the modules');
  assert.ok(marker < html.indexOf('<script type="module"'), 'before the first module script');
  assert.ok(!html.includes('href="/api/examples"'), 'no request for them besides');
  const early = readFileSync(new URL('js/explorer/early-trace.js', root), 'utf8');
  assert.match(early, /getElementById\('examples-data'\)/);
});
