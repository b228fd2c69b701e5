import assert from 'node:assert/strict';
import { test } from 'node:test';

import { callsText, describeError, errorText, fieldPath, lineText, plainMessage, programErrorWhere, withoutIds } from '../js/shared/errors.js';

test('a program error keeps its type, position and message, with the fix', () => {
  const detail = { type: 'syntax', message: "'(' was never closed", line: 2, column: 4, end_line: 2, end_column: 5 };
  const d = describeError({ status: 400, detail });
  assert.equal(d.title, 'Syntax error');
  assert.equal(d.message, "'(' was never closed");
  assert.deepEqual([d.line, d.column, d.end_line, d.end_column], [2, 4, 2, 5]);
  assert.match(d.fix, /bracket/);
  assert.equal(errorText({ status: 400, detail }).split('\n')[0], "'(' was never closed (line 2, column 5)");
});

test('a 422 reads as fields in words, never as "HTTP 422"', () => {
  // The 422 body of docs/api.md: detail.errors lists every refused field.
  const detail = {
    type: 'validation',
    message: 'body.runs.0.optimizer.lr: Input should be greater than 0',
    errors: [
      { type: 'greater_than', loc: ['body', 'runs', 0, 'optimizer', 'lr'], msg: 'Input should be greater than 0' },
      { type: 'missing', loc: ['body', 'steps'], msg: 'Field required' },
    ],
  };
  const text = errorText({ status: 422, detail });
  assert.equal(text, 'runs › 1 › optimizer › lr: should be greater than 0\nsteps: is missing');
  assert.doesNotMatch(plainMessage(422, null), /HTTP|422/);
  assert.doesNotMatch(plainMessage(500, ''), /HTTP|500/);
});

test('internal ids are left out of messages', () => {
  const id = '3f2a9c0d1e2b4a5f8c7d6e5f4a3b2c1d';
  assert.equal(withoutIds(`no model with id '${id}'`), 'no model with that id');
  assert.equal(withoutIds(`model ${id} is running: cancel it before deleting it`), 'this model is running: cancel it before deleting it');
  assert.equal(describeError({ status: 404, detail: { type: 'not_found', message: `no model with id '${id}'` } }).message, 'no model with that id');
  // A program's own message quotes the program: names that look like ids stay.
  assert.match(describeError({ status: 400, detail: { type: 'runtime', message: `name 'deadbeefcafe12' is not defined` } }).message, /deadbeefcafe12/);
});

test('a server that cannot be reached and a plain Error', () => {
  const offline = describeError(new TypeError('Failed to fetch'));
  assert.equal(offline.title, 'No connection');
  assert.match(offline.fix, /running/);
  assert.equal(describeError(new Error('learning rate: give a positive number')).message, 'learning rate: give a positive number');
  assert.equal(fieldPath(['body', 'max_iter']), 'max iter');
});

test('an overloaded server says to wait, with the field it names when invalid', () => {
  assert.match(describeError({ status: 503, detail: { type: 'overloaded', message: 'All workers are busy.' } }).fix, /try again/);
  assert.equal(describeError({ status: 400, detail: { type: 'invalid', message: 'too many', field: 'runs' } }).message, 'runs: too many');
});

test("a program error's place reads with columns from 1, and without a line when it has none", () => {
  assert.equal(programErrorWhere({ type: 'autograd', line: 5, column: 0 }), "PyTorch's autograd error at line 5, column 1:");
  assert.equal(programErrorWhere({ type: 'runtime', line: 2, column: null }), 'Runtime error at line 2:');
  assert.equal(programErrorWhere({ type: 'limit', line: null }), 'Limit reached:');
  assert.equal(programErrorWhere({ type: 'weird', title: 'Odd', line: 1, column: 3 }), 'Odd at line 1, column 4:');
});

test('an error raised inside the program\'s functions says the calls it passed through, innermost first', () => {
  // docs/language.md's error_raise_custom: raised on line 8 in update(), called on line 14 in train(),
  // called on line 18. The message is Python's own; the calls are a field of their own.
  const calls = [{ function: 'update', line: 14 }, { function: 'train', line: 18 }];
  const detail = { type: 'runtime', message: 'step too large', line: 8, column: 8, end_line: 8, end_column: 30, calls };
  assert.equal(callsText(calls), 'in update() called on line 14; in train() called on line 18');
  assert.equal(callsText(undefined), '');
  const d = describeError({ status: 400, detail });
  assert.deepEqual(d.calls, calls);
  assert.equal(d.message, 'step too large');
  assert.equal(programErrorWhere(d), 'Runtime error at line 8, column 9, in update() called on line 14; in train() called on line 18:');
  assert.equal(errorText({ status: 400, detail }), 'step too large (line 8, column 9, in update() called on line 14; in train() called on line 18)');
  assert.deepEqual(describeError({ status: 400, detail: { ...detail, calls: undefined } }).calls, []);
});

test("a notebook's call from another cell than the recorded block's says which, as IPython's traceback does", () => {
  // train_step() defined in cell 3, called on line 2 of the block (cell 5, unnamed), which called
  // helper() on line 4 of cell 3: the lines of two cells each count from 1.
  const calls = [{ function: 'helper', line: 4, file: 'Cell In[3]' }, { function: 'train_step', line: 2 }];
  assert.equal(callsText(calls), 'in helper() called on line 4 of Cell In[3]; in train_step() called on line 2');
  assert.equal(lineText(7, 'Cell In[3]'), 'line 7 of Cell In[3]');
  assert.equal(lineText(7, undefined), 'line 7');
});
