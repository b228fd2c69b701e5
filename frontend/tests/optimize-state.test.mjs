import assert from 'node:assert/strict';
import { test } from 'node:test';

import { decodeDiff, encodeDiff } from '../js/optimize/hash.js';
import {
  DEFAULTS, decodeState, encodeState, EXAMPLES, formatStart, normalize, parseNumberList, parseStart, runLabel,
  startFor, trajectoriesBody, trajectoryBody,
} from '../js/optimize/state.js';
import * as regression from '../js/regression/state.js';

test('defaults encode to an empty hash and decode back', () => {
  assert.equal(encodeState(DEFAULTS), '');
  assert.deepEqual(decodeState(''), normalize({}));
});

test('a comparison survives the URL round trip', () => {
  const state = normalize({ ...EXAMPLES['rosenbrock-adam-gd'].state });
  const hash = encodeState(state);
  assert.match(hash, /^s=/);
  assert.deepEqual(decodeState(`#${hash}`), state);
});

test('malformed hashes fall back to defaults field by field', () => {
  assert.deepEqual(decodeState('#s=%7Bnot json'), normalize({}));
  const state = decodeState(`#s=${encodeURIComponent(JSON.stringify({ fn: 'eval', lr: -1, optimizer: 'sgd!', steps: 2.5, runs: [{ optimizer: 'adam' }] }))}`);
  assert.equal(state.fn, 'himmelblau');
  assert.equal(state.lr, DEFAULTS.lr);
  assert.equal(state.optimizer, 'gd');
  assert.equal(state.steps, 300);
  assert.deepEqual(state.runs, []);
});

test('diff encoding keeps only what changed', () => {
  assert.equal(decodeURIComponent(encodeDiff({ a: 1, b: 2 }, { a: 1, b: 3 })), 's={"b":2}');
  assert.deepEqual(decodeDiff('#s=%5B1%5D'), {});
});

test('request bodies follow the API', () => {
  const state = normalize({ fn: 'quadratic', kappa: 50, tol: 1e-4 });
  const body = trajectoryBody(state, { ...state, start: { u: 1, v: 2 } });
  assert.deepEqual(body, {
    preset: 'quadratic', condition_number: 50, start: { u: 1, v: 2 }, optimizer: { name: 'gd', lr: 5e-4 },
    steps: 300, clear_grad: true, gradient: 'autograd', loss_tol: 1e-4,
  });
  const own = trajectoriesBody(normalize({ fn: 'source', source: 'x**2', start: { x: 3 } }));
  assert.deepEqual(own.runs[0].source, 'x**2');
  assert.equal('preset' in own.runs[0], false);
  assert.equal(EXAMPLES['himmelblau-starts'].state.runs.length, 3);
  assert.equal(trajectoriesBody(normalize(EXAMPLES['himmelblau-starts'].state)).runs[2].start.u, -1);
});

test('lists and starts parse or name the bad entry', () => {
  assert.deepEqual(parseNumberList('1e-4, 5e-4 1e-3'), [1e-4, 5e-4, 1e-3]);
  assert.throws(() => parseNumberList('0.1, x'), /"x" is not a positive number/);
  assert.deepEqual(parseStart('u=1, v=-2.5'), { u: 1, v: -2.5 });
  assert.throws(() => parseStart('u=1, v'), /start: "v" is not name=number/);
  assert.equal(formatStart({ a: 0.5, b: 0.5 }), 'a=0.5, b=0.5');
  assert.deepEqual(startFor(['u', 'w'], { u: 2 }, { w: 7 }), { u: 2, w: 7 });
  assert.equal(runLabel({ optimizer: 'adam', lr: 0.05, start: { u: -1.5, v: 2 }, clear: false }), 'adam lr=0.05 from (-1.5, 2) no clearing');
});

test('regression state and bodies', () => {
  assert.equal(regression.encodeState(regression.DEFAULTS), '');
  const state = regression.decodeState(`#${regression.encodeState({ ...regression.DEFAULTS, lr: 1 })}`);
  assert.equal(state.lr, 1);
  assert.deepEqual(regression.sweepBody(state, [1, 0.1], [100]), { method: 'autograd', lrs: [1, 0.1], steps: [100], degree: 2 });
  assert.deepEqual(regression.parseCounts('100, 2000'), [100, 2000]);
  assert.throws(() => regression.parseCounts('100, 2.5'), /"2.5" is not a whole number/);
  assert.equal(regression.fitBody(state).figure, true);
});
