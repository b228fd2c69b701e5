// The explorer's state in the URL hash, so a shared link reopens the same program, step and view.

import { replaceHash } from './deferred-url.js';

export const VIEWS = ['graph', 'plot', 'jacobians', 'gradnorms', 'torchviz', 'lecture'];

const DEFAULTS = { source: '', inputs: {}, step: null, pass: null, view: 'graph', example: null };

/** The hash (without '#') for `state`; defaults are left out to keep links short. */
export function encodeState(state) {
  const params = new URLSearchParams();
  if (state.example) params.set('ex', state.example);
  if (state.source) params.set('src', state.source);
  if (state.inputs && Object.keys(state.inputs).length > 0) params.set('in', JSON.stringify(state.inputs));
  if (Number.isInteger(state.pass)) params.set('pass', String(state.pass));
  if (Number.isInteger(state.step)) params.set('step', String(state.step));
  if (state.view && state.view !== 'graph') params.set('view', state.view);
  return params.toString();
}

function nonNegativeInt(text) {
  if (text === null || !/^\d{1,9}$/.test(text)) return null;
  return Number(text);
}

/** The state in `hash` (with or without '#'); anything malformed falls back to its default. */
export function decodeState(hash) {
  const params = new URLSearchParams((hash || '').replace(/^#/, ''));
  let inputs = {};
  if (params.has('in')) {
    try {
      const parsed = JSON.parse(params.get('in'));
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) inputs = parsed;
    } catch {
      inputs = {};
    }
  }
  const view = params.get('view');
  return {
    ...DEFAULTS,
    example: params.get('ex') || null,
    source: params.get('src') || '',
    inputs,
    pass: nonNegativeInt(params.get('pass')),
    step: nonNegativeInt(params.get('step')),
    view: VIEWS.includes(view) ? view : 'graph',
  };
}

/** Replace the page's hash without adding a history entry per step. */
export function writeLocation(state) {
  replaceHash(encodeState(state));
}

/** The state encoded in the page's current hash. */
export function readLocation() {
  return decodeState(window.location.hash);
}
