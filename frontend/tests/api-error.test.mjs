// The one error shape as the pages read it: {detail: {type, message, ...}}, 422s with detail.errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { ApiError, getAllPages } from '../js/shared/api.js';
import { errorText } from '../js/shared/errors.js';

test('a 422 lists every refused field without the body/query prefix', () => {
  const error = new ApiError(422, {
    type: 'validation',
    message: 'body.steps: Input should be less than or equal to 20000',
    errors: [
      { loc: ['body', 'steps'], msg: 'Input should be less than or equal to 20000', type: 'less_than_equal' },
      { loc: ['body', 'optimizer', 'lr'], msg: 'Input should be greater than 0', type: 'greater_than' },
    ],
  });
  assert.equal(error.type, 'validation');
  assert.equal(error.errors.length, 2);
  const words = 'steps: should be less than or equal to 20000\noptimizer › lr: should be greater than 0';
  assert.equal(error.message, words);
  assert.equal(errorText(error), words);
});

test('a 422 without items still reads as words, never as "HTTP 422"', () => {
  const error = new ApiError(422, { type: 'validation', message: 'body: not valid', errors: [] });
  assert.equal(errorText(error), 'body: not valid');
});

test('a program error names its line and column (columns shown 1-based)', () => {
  const error = new ApiError(400, { type: 'syntax', message: 'invalid syntax', line: 2, column: 4 });
  assert.deepEqual(error.errors, []);
  assert.equal(error.type, 'syntax');
  assert.equal(errorText(error).split('\n')[0], 'invalid syntax (line 2, column 5)');
});

test('a domain error names its field', () => {
  const error = new ApiError(400, { type: 'invalid', message: 'at most 12 runs', field: 'runs' });
  assert.equal(errorText(error), 'runs: at most 12 runs');
});

test('getAllPages follows next_cursor until it is null', async () => {
  const pages = {
    '/api/models?curve=true': { items: [1, 2], next_cursor: 'a~1' },
    '/api/models?curve=true&cursor=a~1': { items: [3], next_cursor: 'b~2' },
    '/api/models?curve=true&cursor=b~2': { items: [], next_cursor: null },
  };
  const asked = [];
  const get = async (path) => {
    asked.push(path);
    return pages[path];
  };
  assert.deepEqual(await getAllPages('/api/models?curve=true', get), [1, 2, 3]);
  assert.deepEqual(asked, Object.keys(pages));
});
