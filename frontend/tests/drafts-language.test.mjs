import assert from 'node:assert/strict';
import { test } from 'node:test';

import { diagnosticsFor } from '../js/explorer/editor.js';
import { DRAFT_KEY, loadDraft, saveDraft } from '../js/explorer/drafts.js';
import { filterSections, languageSections } from '../js/language/reference.js';

const memoryStorage = () => {
  const items = new Map();
  return { getItem: (k) => (items.has(k) ? items.get(k) : null), setItem: (k, v) => items.set(k, String(v)) };
};

test('a draft round-trips; a damaged or missing one is empty', () => {
  const storage = memoryStorage();
  assert.deepEqual(loadDraft(storage), { source: '', inputs: {} });
  assert.ok(saveDraft(storage, { source: 'y = x * 2', inputs: { x: 3 } }));
  assert.deepEqual(loadDraft(storage), { source: 'y = x * 2', inputs: { x: 3 } });
  storage.setItem(DRAFT_KEY, '{not json');
  assert.deepEqual(loadDraft(storage), { source: '', inputs: {} });
  storage.setItem(DRAFT_KEY, JSON.stringify({ source: 'a', inputs: [1] }));
  assert.deepEqual(loadDraft(storage), { source: 'a', inputs: {} });
  assert.equal(saveDraft({ setItem: () => { throw new Error('full'); } }, { source: 'a' }), false);
});

test('an error becomes a diagnostic over its span, a warning over its line', () => {
  const source = 'x = 1\ny = (x +\nz = y';
  const [error] = diagnosticsFor(source, { type: 'syntax', message: 'oops', line: 2, column: 4, end_line: 2, end_column: 7 });
  assert.deepEqual([error.from, error.to, error.severity], [10, 13, 'error']);
  assert.equal(error.message, 'Syntax error: oops');
  // No end: to the end of the line. An empty span still underlines one character.
  assert.equal(diagnosticsFor(source, { type: 'runtime', message: 'm', line: 3, column: 0 })[0].to, source.length);
  assert.equal(diagnosticsFor(source, { type: 'syntax', message: 'm', line: 1, column: 2, end_line: 1, end_column: 2 })[0].to, 3);
  const [warning] = diagnosticsFor(source, null, new Map([[3, 'cut here']]));
  assert.deepEqual([warning.from, warning.to, warning.severity], [15, 20, 'warning']);
  assert.deepEqual(diagnosticsFor(source, { type: 'limit', message: 'm', line: null }), []);
});

test('the language table becomes sections, and the filter searches names, spellings and summaries', () => {
  const language = {
    functions: [{ name: 'torch.sin', spellings: ['torch.sin', 'sin'], summary: 'sine' }],
    methods: [{ name: 'x.sum()', summary: 'sum of elements' }],
    attributes: [{ name: 'x.grad', summary: 'the gradient', settable: true }],
    constants: ['torch.pi'],
    statements: ['pass'],
    operators: ['+'],
  };
  const sections = languageSections(language);
  assert.deepEqual(sections.map((s) => s.id), ['statements', 'operators', 'functions', 'methods', 'attributes', 'constants']);
  assert.deepEqual(sections[2].rows[0], { code: 'torch.sin', also: ['sin'], summary: 'sine' });
  assert.deepEqual(sections[4].rows[0].also, ['settable']);
  assert.deepEqual(filterSections(sections, 'SINE').map((s) => s.rows.map((r) => r.code)), [['torch.sin']]);
  assert.equal(filterSections(sections, '  ').length, 6);
  assert.deepEqual(filterSections(sections, 'nothing like it'), []);
});
