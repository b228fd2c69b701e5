// The graph's toolbar, drawing area and step controls as the explorer (index.html) and the notebook
// viewer (viewer.html) both show them: one markup for the two pages, built into their placeholders
// before anything mounts, so the pages stay build-free and cannot drift apart (save_html inlines
// this module like any other). What differs per page is said on its placeholders:
//   #graph-toolbar  data-search="…"  the search box's hint (the explorer's lecture names, the viewer's layers)
//                   data-grad-colour  the "colour by |grad|" switch (grad-colour.js; the explorer only)
//   .graph-wrap     data-empty="…"   the text shown before there is a graph
//                   data-grad-colour  the |grad| colour legend beside the graph's legend

const TOOLBAR = `
  <button type="button" id="fit" title="Fit the graph to the screen">Fit</button>
  <label title="Large graphs: loop iterations, lines and modules start as boxes that open on click"><input type="checkbox" id="collapse"> grouped</label>
  <label><input type="checkbox" id="show-saved"> saved tensors</label>
  <label data-grad-colour title="Fill each node by the size of the gradient it received in the shown backward pass (log scale)"><input type="checkbox" id="grad-colour"> colour by |grad|</label>
  <input type="search" id="search" aria-label="Find a node by its name, label, symbol (z1 or z₁) or grad_fn">
  <label for="node-picker" class="sr-only">Inspect a node</label>
  <select id="node-picker" aria-label="Inspect a node"></select>`;

const GRAPH = `
  <div id="graph" class="graph" role="img" aria-label="The computation graph"></div>
  <p id="graph-empty" class="graph-empty"></p>
  <div id="graph-legend" class="legend">
    <span class="key input">input</span><span class="key op">operation</span><span class="key output">output</span>
    <span class="key active">current step</span><span class="key edge">gradient sent</span>
    <span class="key stopped" hidden>engine stopped here</span>
    <span class="grad-legend" id="grad-legend" data-grad-colour hidden></span>
  </div>`;

const STEP_CONTROLS = `
  <button type="button" data-action="first" title="First (Home)" aria-label="First step">|◀</button>
  <button type="button" data-action="prev" title="Previous (←)" aria-label="Previous step">◀</button>
  <button type="button" data-action="play" title="Play / pause (Space)" aria-label="Play">▶ play</button>
  <button type="button" data-action="next" title="Next (→)" aria-label="Next step">▶</button>
  <button type="button" data-action="last" title="Last (End)" aria-label="Last step">▶|</button>
  <input type="range" id="step-slider" min="0" max="0" value="0" aria-label="Backward step">
  <output id="step-label" aria-live="polite">no trace yet</output>
  <label class="speed" title="Play speed"><span class="speed-word">speed</span> <select id="speed" aria-label="Play speed">
    <option value="2000">0.5×</option><option value="1000" selected>1×</option><option value="400">2.5×</option>
  </select></label>
  <label id="pass-picker-label" title="Backward call" hidden><span class="pass-word">backward call</span> <select id="pass-picker" aria-label="Backward call"></select></label>`;

/** `html` (a constant of this module, never user text) as the children of `element`. */
function fill(element, html) {
  const template = element.ownerDocument.createElement('template');
  template.innerHTML = html;
  element.replaceChildren(template.content);
  return element;
}

/** Fill the page's #graph-toolbar, .graph-wrap and #step-controls with the shared markup. */
export function buildGraphMarkup(doc = document) {
  const toolbar = fill(doc.getElementById('graph-toolbar'), TOOLBAR);
  toolbar.querySelector('#search').placeholder = toolbar.dataset.search || 'find node…';
  const wrap = fill(doc.querySelector('.graph-wrap'), GRAPH);
  wrap.querySelector('#graph-empty').textContent = wrap.dataset.empty || '';
  fill(doc.getElementById('step-controls'), STEP_CONTROLS);
  for (const part of [toolbar, wrap]) {
    const wanted = 'gradColour' in part.dataset;
    for (const el of part.querySelectorAll('[data-grad-colour]')) {
      if (wanted) el.removeAttribute('data-grad-colour');
      else el.remove();
    }
  }
}
