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

/** Every URL (from the site's root) that a module under js/ imports statically. */
function importedUrls() {
  const urls = new Set();
  for (const file of modules('js/')) {
    const text = readFileSync(new URL(file, root), 'utf8');
    for (const match of text.matchAll(/\bfrom\s+'([^']+)'/g)) {
      urls.add(new URL(match[1], new URL(`/${file}`, 'http://site')).pathname);
    }
  }
  return urls;
}

test('index.html preloads only modules the explorer imports', () => {
  const html = readFileSync(new URL('index.html', root), 'utf8');
  const preloads = [...html.matchAll(/<link rel="modulepreload" href="([^"]+)">/g)].map((m) => m[1]);
  assert.ok(preloads.length >= 4, 'the vendor modules are preloaded');
  const imported = importedUrls();
  for (const href of preloads) assert.ok(imported.has(href), `${href} is preloaded but imported by no module`);
});
