import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { el } from '../js/shared/dom.js';

// A document whose elements are plain objects: enough to see what el() sets, and what it does not.
before(() => {
  globalThis.document = { createElement: (tag) => ({ tag, textContent: '', className: '', innerHTML: '' }) };
});
after(() => {
  delete globalThis.document;
});

test('text goes in as textContent, never as markup', () => {
  const node = el('td', '<img src=x onerror=alert(1)>', 'num');
  assert.deepEqual(node, { tag: 'td', textContent: '<img src=x onerror=alert(1)>', className: 'num', innerHTML: '' });
});

test('no text and no class leave the element empty; 0 is text', () => {
  assert.deepEqual(el('div'), { tag: 'div', textContent: '', className: '', innerHTML: '' });
  assert.equal(el('span', 0).textContent, 0);
});
