import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { test } from 'node:test';

// The explorer names the vendor modules at the leaves of its import graph in its <head>, so they are
// fetched beside main.js (issue 13: the first open within 1 s). A preload of a URL no module
// imports (a vendor file renamed, an import path spelled another way) would be a download for nothing
// and the import a second one.
const root = new URL('../', import.meta.url);

function modules(dir) {
  return readdirSync(new URL(dir, root), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? modules(`${dir}${entry.name}/`) : entry.name.endsWith('.js') ? [`${dir}${entry.name}`] : []);
}

/** The URLs (from the site's root) that the module at `url` imports statically. */
function importsOf(url) {
  const text = readFileSync(new URL(url.slice(1), root), 'utf8');
  return [...text.matchAll(/\bfrom\s+'([^']+)'/g)].map((match) => new URL(match[1], new URL(url, 'http://site')).pathname);
}

/** Every URL that a module under js/ imports statically. */
function importedUrls() {
  return new Set(modules('js/').flatMap((file) => importsOf(`/${file}`)));
}

test('index.html preloads only modules the explorer imports', () => {
  const html = readFileSync(new URL('index.html', root), 'utf8');
  const preloads = [...html.matchAll(/<link rel="modulepreload" href="([^"]+)">/g)].map((m) => m[1]);
  assert.ok(preloads.length >= 4, 'the vendor modules are preloaded');
  const imported = importedUrls();
  for (const href of preloads) assert.ok(imported.has(href), `${href} is preloaded but imported by no module`);
});

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
for (const page of ['optimize.html', 'regression.html', 'pitfall.html', 'models.html']) {
  test(`${page} preloads exactly the modules its scripts import`, () => {
    const html = readFileSync(new URL(page, root), 'utf8');
    const entries = [...html.matchAll(/<script type="module" src="([^"]+)">/g)].map((m) => m[1]);
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
