import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { el, syncChildren, wrappableEl } from '../js/shared/dom.js';

// A document whose elements are plain objects: enough to see what el() sets, and what it does not.
before(() => {
  globalThis.document = {
    createElement: (tag) => ({ tag, textContent: '', className: '', innerHTML: '', kids: [], append(kid) { this.kids.push(kid); } }),
  };
});
after(() => {
  delete globalThis.document;
});

test('text goes in as textContent, never as markup', () => {
  const node = el('td', '<img src=x onerror=alert(1)>', 'num');
  assert.deepEqual([node.tag, node.textContent, node.className, node.innerHTML, node.kids], ['td', '<img src=x onerror=alert(1)>', 'num', '', []]);
});

test('no text and no class leave the element empty; 0 is text', () => {
  const empty = el('div');
  assert.deepEqual([empty.tag, empty.textContent, empty.className, empty.innerHTML, empty.kids], ['div', '', '', '', []]);
  assert.equal(el('span', 0).textContent, 0);
});

test('a dotted name may break after each dot, and only there; its text is appended as text', () => {
  const node = wrappableEl('span', 'model.fc1.weight', 'clamp');
  assert.equal(node.className, 'clamp');
  assert.deepEqual(node.kids.map((k) => (typeof k === 'string' ? k : `<${k.tag}>`)), ['model.', '<wbr>', 'fc1.', '<wbr>', 'weight']);
  assert.deepEqual(wrappableEl('span', 'loss = m(x).sum()').kids.map((k) => (typeof k === 'string' ? k : `<${k.tag}>`)), ['loss = m(x).', '<wbr>', 'sum()']);
  assert.deepEqual(wrappableEl('span', 'x').kids, ['x']);
  assert.equal(wrappableEl('span', 'x').innerHTML, '');
  // a CamelCase op name breaks between its words, never inside one, nor before a capital that starts
  const op = wrappableEl('h2', 'Step 3 of 9: z₄ (BackwardHookFunctionBackward)').kids.filter((k) => typeof k === 'string');
  assert.deepEqual(op, ['Step 3 of 9: z₄ (Backward', 'Hook', 'Function', 'Backward)']);
  assert.deepEqual(wrappableEl('span', 'MSELoss').kids, ['MSELoss']);
  // a narration's long dotted name breaks between its names, a number never at its decimal point
  const said = wrappableEl('p', 'adds −0.05806 to model.h.1.bias\'s accumulator').kids.filter((k) => typeof k === 'string');
  assert.deepEqual(said, ['adds −0.05806 to model.', 'h.1.', 'bias\'s accumulator']);
});

// A parent holding a linked list of children, enough for syncChildren: it records each insertion and
// removal, so a test sees which children were detached and attached again.
function fakeParent(children) {
  const parent = { kids: [], log: [] };
  const link = () => parent.kids.forEach((kid, i) => { kid.nextSibling = parent.kids[i + 1] || null; });
  Object.defineProperty(parent, 'firstChild', { get: () => parent.kids[0] || null });
  parent.removeChild = (kid) => { parent.kids.splice(parent.kids.indexOf(kid), 1); parent.log.push(`-${kid.name}`); link(); };
  parent.insertBefore = (kid, before) => {
    if (parent.kids.includes(kid)) parent.removeChild(kid);
    parent.kids.splice(before ? parent.kids.indexOf(before) : parent.kids.length, 0, kid);
    parent.log.push(`+${kid.name}`);
    link();
  };
  children.forEach((kid) => parent.insertBefore(kid, null));
  parent.log = [];
  return parent;
}
const kid = (name) => ({ name });

test('syncChildren inserts, removes and replaces without touching the children kept in place', () => {
  const [a, b, c, d, b2, e] = ['a', 'b', 'c', 'd', "b'", 'e'].map(kid);
  const parent = fakeParent([a, b, c, d]);
  syncChildren(parent, [e, a, b2, c, d]); // a row reached (first), one row changed
  assert.deepEqual(parent.kids, [e, a, b2, c, d]);
  assert.deepEqual(parent.log, ['-b', '+e', "+b'"]);
});

test('syncChildren reorders, empties and fills', () => {
  const [a, b, c] = ['a', 'b', 'c'].map(kid);
  const parent = fakeParent([a, b, c]);
  syncChildren(parent, [c, a, b]);
  assert.deepEqual(parent.kids, [c, a, b]);
  syncChildren(parent, []);
  assert.deepEqual(parent.kids, []);
  syncChildren(parent, [b, a]);
  assert.deepEqual(parent.kids, [b, a]);
});
