// A trace's warnings, shown beside the graph (the explorer page and the viewer), after where a failed
// backward() stopped the program (stopped-note.js); printed lines: console-panel.js.

import { stoppedSummary } from './stopped-note.js';

export function mountTraceNotes(store) {
  store.on(['trace'], (state) => {
    const warnings = document.getElementById('warnings');
    const stopped = state.trace ? stoppedSummary(state.trace) : '';
    const list = (state.trace && state.trace.warnings) || [];
    const item = (text, className = '') => {
      const li = document.createElement('li');
      li.textContent = text;
      if (className) li.className = className;
      return li;
    };
    warnings.hidden = !stopped && list.length === 0;
    warnings.replaceChildren(...(stopped ? [item(stopped, 'stopped')] : []), ...list.map((w) => item(w)));
  });
}
