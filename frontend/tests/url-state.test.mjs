import assert from 'node:assert/strict';
import { test } from 'node:test';

import { decodeState, encodeState } from '../js/shared/url-state.js';

test('a full state survives the round trip through the hash', () => {
  const state = {
    example: 'least-squares',
    source: 'X = torch.tensor([[1., 2.], [3., 4.]])\nf = 0.5 * ((X @ w - y) ** 2).sum()  # ½‖Xw − y‖² & more',
    inputs: { w: [0.5, -1], y: [[1], [2]] },
    pass: 1,
    step: 3,
    view: 'jacobians',
  };
  assert.deepEqual(decodeState(`#${encodeState(state)}`), state);
});

test('defaults are left out of the hash and restored on decoding', () => {
  const hash = encodeState({ source: 'x**3 - 3*x', inputs: {}, step: null, pass: null, view: 'graph', example: null });
  assert.equal(hash, 'src=x**3+-+3*x');
  assert.deepEqual(decodeState(hash), { source: 'x**3 - 3*x', inputs: {}, step: null, pass: null, view: 'graph', example: null });
});

test('step 0 is kept (it is the start of the backward pass, not a default)', () => {
  assert.equal(decodeState(encodeState({ source: 'x', step: 0 })).step, 0);
});

test('malformed parts fall back to defaults instead of throwing', () => {
  const state = decodeState('#in=%7Bnot-json&step=-2&view=%3Cscript%3E&pass=1.5');
  assert.deepEqual(state.inputs, {});
  assert.equal(state.step, null);
  assert.equal(state.pass, null);
  assert.equal(state.view, 'graph');
  assert.deepEqual(decodeState('in=[1,2]').inputs, {});
  assert.deepEqual(decodeState('').source, '');
});
