import assert from 'node:assert/strict';
import { test } from 'node:test';

import { bearer, jobTokens } from '../js/models/job-tokens.js';

function memoryStorage(initial = {}) {
  const data = new Map(Object.entries(initial));
  return { getItem: (k) => (data.has(k) ? data.get(k) : null), setItem: (k, v) => data.set(k, String(v)), data };
}

test('tokens are remembered across stores on the same storage (a reload)', () => {
  const storage = memoryStorage();
  jobTokens(storage).remember('a1', 'token-a');
  jobTokens(storage).remember('b2', 'token-b');
  const reloaded = jobTokens(storage);
  assert.equal(reloaded.get('a1'), 'token-a');
  assert.equal(reloaded.get('b2'), 'token-b');
  assert.equal(reloaded.get('c3'), null);
});

test('keepOnly forgets jobs the server no longer lists', () => {
  const storage = memoryStorage();
  const tokens = jobTokens(storage);
  tokens.remember('a1', 'token-a');
  tokens.remember('b2', 'token-b');
  tokens.keepOnly(['b2', 'zz']);
  assert.equal(tokens.get('a1'), null);
  assert.equal(jobTokens(storage).get('b2'), 'token-b');
});

test('unreadable or unavailable storage falls back to this tab', () => {
  const broken = memoryStorage({ 'autograd-explorer.job-tokens': '{not json' });
  const tokens = jobTokens(broken);
  assert.equal(tokens.get('a1'), null);
  tokens.remember('a1', 'token-a');
  assert.equal(tokens.get('a1'), 'token-a');
  const disabled = { getItem: () => { throw new Error('denied'); }, setItem: () => { throw new Error('denied'); } };
  const inTab = jobTokens(disabled);
  inTab.remember('x', 'token-x');
  assert.equal(inTab.get('x'), 'token-x');
  assert.equal(jobTokens(memoryStorage({ 'autograd-explorer.job-tokens': '["a"]' })).get('0'), null);
});

test('the token goes in a Bearer header', () => {
  assert.deepEqual(bearer('abc'), { Authorization: 'Bearer abc' });
});
