import assert from 'node:assert/strict';
import { test } from 'node:test';

import { isHelpKey, shortcutsFor } from '../js/shared/help.js';
import { THEME_KEY, normalizeTheme, saveTheme, savedTheme } from '../js/shared/theme.js';

const memoryStorage = () => {
  const items = new Map();
  return { getItem: (k) => (items.has(k) ? items.get(k) : null), setItem: (k, v) => items.set(k, String(v)) };
};

test('the theme is remembered, and anything unknown falls back to light', () => {
  const storage = memoryStorage();
  assert.equal(savedTheme(storage), 'light');
  saveTheme(storage, 'dark');
  assert.equal(savedTheme(storage), 'dark');
  storage.setItem(THEME_KEY, 'neon');
  assert.equal(savedTheme(storage), 'light');
  assert.equal(normalizeTheme('contrast'), 'light'); // presentation is its own switch now, not a theme
  const broken = { getItem: () => { throw new Error('denied'); }, setItem: () => { throw new Error('denied'); } };
  assert.equal(savedTheme(broken), 'light');
  assert.doesNotThrow(() => saveTheme(broken, 'dark'));
});

test('each page lists its own shortcuts before the common ones', () => {
  const explorer = shortcutsFor('/').map(([keys]) => keys);
  assert.equal(explorer[0], 'Ctrl+Enter');
  assert.ok(explorer.includes('?'));
  assert.deepEqual(shortcutsFor('/index.html'), shortcutsFor('/'));
  assert.equal(shortcutsFor('/nowhere.html')[0][0], '?');
});

test('? opens help except where it is text', () => {
  const on = (tagName, extra = {}) => ({ key: '?', target: { tagName, closest: () => null, ...extra } });
  assert.ok(isHelpKey(on('BUTTON')));
  assert.ok(isHelpKey(on('INPUT', { type: 'range' })));
  assert.ok(!isHelpKey(on('INPUT', { type: 'text' })));
  assert.ok(!isHelpKey({ key: '?', target: { tagName: 'DIV', closest: () => ({}) } })); // inside the editor
  assert.ok(!isHelpKey({ ...on('BUTTON'), key: '/' }));
  assert.ok(!isHelpKey({ ...on('BUTTON'), ctrlKey: true }));
});
