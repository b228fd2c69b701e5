// "Open iteration k" of a program that made many backward passes (a training loop): the trace holds
// the steps of one pass (plus every pass's summary); another iteration is used when present, else
// asked for (POST /api/trace with pass_index: the server records that pass step by step).

/** How many backward passes the program made (summaries count them all; older traces: passes). */
export function passCount(trace) {
  if (!trace) return 0;
  const summaries = trace.pass_summaries;
  return summaries && summaries.count ? summaries.count : (trace.passes || []).length;
}

/** Position in trace.passes of the pass with this program-wide `index`, or -1 when not recorded. */
export function positionOfPass(trace, index) {
  return ((trace && trace.passes) || []).findIndex((pass, i) => (pass.index ?? i) === index);
}

/** "iteration 20 of 20" for the selected pass of a program of several passes, else ''. */
export function iterationText(trace, passPosition) {
  const count = passCount(trace);
  const pass = trace && trace.passes ? trace.passes[passPosition] : null;
  if (count < 2 || !pass) return '';
  return `iteration ${(pass.index ?? passPosition) + 1} of ${count}`;
}

/** Shows iteration `k` (1-based, clamped): selects its pass when the trace holds it, else `fetchPass(k - 1)`. */
export function openIteration(store, k, fetchPass) {
  const trace = store.get('trace');
  const count = passCount(trace);
  if (!count || !Number.isFinite(k)) return;
  const index = Math.max(1, Math.min(count, Math.round(k))) - 1;
  const position = positionOfPass(trace, index);
  if (position >= 0) store.set({ passIndex: position, position: 0 });
  else fetchPass(index);
}

/** Whether the trace holds every pass's steps (at most 10): the backward-call menu picks any of them. */
export function holdsEveryPass(trace) {
  const held = ((trace && trace.passes) || []).length;
  return held >= 2 && held >= passCount(trace);
}

/** "iteration k of n" with the number box (one pass of many held) or the backward-call menu (all held). */
export function mountPassPicker(store, { fetchPass }) {
  // On the loss plot's summary row (#passes-row), not the step controls': in presentation type at
  // 1280 px they wrapped those onto two or three rows, taking the graph's height.
  const bar = document.createElement('div');
  bar.id = 'pass-bar';
  bar.className = 'pass-bar';
  bar.setAttribute('role', 'group');
  bar.setAttribute('aria-label', 'Backward pass shown');
  const shown = document.createElement('output');
  shown.id = 'pass-shown';
  shown.className = 'pass-shown';
  shown.setAttribute('aria-live', 'polite');
  const label = document.createElement('label');
  label.id = 'iteration-label';
  label.title = 'Open iteration (its backward pass, step by step)';
  label.textContent = 'open ';
  const input = document.createElement('input');
  input.type = 'number';
  input.id = 'iteration-input';
  input.min = '1';
  input.step = '1';
  input.setAttribute('aria-label', 'Open iteration (its backward pass, step by step)');
  label.append(input);
  // the step controls' menu (graph-markup.js; the viewer keeps it in its step row)
  bar.append(shown, label, document.getElementById('pass-picker-label'));
  document.getElementById('passes-row').append(bar);

  // 'change' fires on Enter and on leaving the box (a keydown listener too would ask twice)
  input.addEventListener('change', () => openIteration(store, Number(input.value), fetchPass));

  function render() {
    const trace = store.get('trace');
    const text = iterationText(trace, store.get('passIndex'));
    shown.textContent = text;
    shown.hidden = !text;
    bar.hidden = !text;
    label.hidden = !text || holdsEveryPass(trace);
    input.max = String(passCount(trace));
    input.style.setProperty('--digits', String(String(passCount(trace)).length));
    const pass = store.pass();
    if (pass && document.activeElement !== input) input.value = String((pass.index ?? store.get('passIndex')) + 1);
  }
  store.on(['trace', 'passIndex'], render);
  render();
}
