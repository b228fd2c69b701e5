// A trace's warnings, shown beside the graph (the explorer page and the viewer); printed lines: console-panel.js.

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
  });
}
