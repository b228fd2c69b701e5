// A trace's warnings and printed lines, shown beside the graph (the explorer page and the viewer).

export function mountTraceNotes(store) {
  store.on(['trace'], (state) => {
    const warnings = document.getElementById('warnings');
    const list = (state.trace && state.trace.warnings) || [];
    warnings.hidden = list.length === 0;
    warnings.replaceChildren(
      ...list.map((w) => {
        const li = document.createElement('li');
        li.textContent = w;
        return li;
      }),
    );
    const printed = document.getElementById('printed');
    if (!printed) return;
    const lines = (state.trace && state.trace.printed) || [];
    printed.hidden = lines.length === 0;
    printed.textContent = lines.join('\n');
  });
}
