// The console: what the program printed, in order, under the graph. Each run's trace replaces the
// last (an error leaves none), so it shows only the last run's lines; hidden while there are none.

import { counted } from '../shared/format.js';

/** Mount on #console (a <details> holding #printed); follows the store's trace. */
export function mountConsolePanel(store) {
  const box = document.getElementById('console');
  const count = document.getElementById('console-count');
  const printed = document.getElementById('printed');

  function render(state) {
    const lines = (state.trace && state.trace.printed) || [];
    box.hidden = lines.length === 0;
    count.textContent = counted(lines.length, 'line');
    printed.textContent = lines.join('\n');
    printed.scrollTop = 0; // a new run's output starts at its first line
  }

  store.on(['trace'], render);
  render(store.state);
}
