// "Step through model.fc7's backward: steps 212–221": the box a student opened (or the box of the node
// they picked or found) offers its own backward steps. The button (or B) moves the step cursor to just
// before the box's first step, so → walks its steps; while the cursor is among them it says which
// ("model.fc7: step 3 of 10"). Opening a box never moves the cursor by itself: a lecturer's page
// broadcasts the step to the room, and a jump on a plain click would move the whole class.
// A strip under the graph, above its legend: over the graph it hid the open box's own title. The
// graph re-places its default view when it is resized, so the strip announces its changes
// (keepViewOnResize) and the view stays on the box. It keeps one line (explorer.css): beside the
// program panel at 1280 px the graph column is ~500 px, and a second line took the graph's height
// on each step. Beside the button, which names the box, the status shows only its words ("step 2
// of 4"; the name stays for screen readers); where the button does not fit, its verb goes, then its
// box name is shortened (the whole text stays its title and accessible name), never "'s backward"
// (shortened first, it read "Step through model.fc7's back…") nor the steps it leads to.

import { boxStepPositions, buttonParts, buttonText, passOfBox, progressWords, skipTarget } from './box-steps.js';

/** Whether a keydown comes from somewhere that types text (the editor, a field, a menu). */
function typing(event) {
  const target = event.target;
  if (!target || !target.closest) return false;
  if (target.closest('textarea, select, [contenteditable="true"], .cm-editor')) return true;
  return target instanceof HTMLInputElement && !['range', 'checkbox', 'button'].includes(target.type);
}

/**
 * Mounts the control under the graph. `graph` is the graph view's handle: `hierarchy()` (the boxes
 * of the drawn trace, or null for a graph drawn node for node), `reveal(nodeId)` (brings the item
 * showing a node into view at a readable zoom) and `keepViewOnResize()`.
 */
export function mountBoxStepControl(store, graph) {
  const bar = document.createElement('div');
  bar.className = 'box-steps';
  bar.id = 'box-steps';
  bar.hidden = true;
  bar.setAttribute('role', 'group');
  bar.setAttribute('aria-label', "The opened box's backward steps");
  const button = document.createElement('button');
  button.type = 'button';
  button.id = 'box-steps-go';
  const HOW = "Move the step cursor to just before this box's first backward step; → then walks its steps (B)";
  button.setAttribute('aria-keyshortcuts', 'B');
  // In parts, so that the verb, then "'s backward", then the box's name give way, never the steps.
  const parts = ['verb', 'name', 'aside', 'tail'].map((part) => {
    const span = document.createElement('span');
    span.className = `box-steps-${part}`;
    return span;
  });
  button.append(...parts);
  const status = document.createElement('span');
  status.id = 'box-steps-status';
  status.setAttribute('role', 'status');
  const statusBox = document.createElement('span'); // "model.fc7: ", read out, shown only without the button
  const statusWords = document.createElement('span');
  status.append(statusBox, statusWords);
  // Between two of its steps that other nodes' steps separate: on to just before its next one.
  const skip = document.createElement('button');
  skip.type = 'button';
  skip.id = 'box-steps-skip';
  skip.hidden = true;
  skip.title = "Move the step cursor to just before this box's next backward step, past the other nodes' steps";
  // A box with no steps in the call shown (iteration 1 of a training loop whose last call is shown):
  // the call that ran it, one click away.
  const other = document.createElement('button');
  other.type = 'button';
  other.id = 'box-steps-pass';
  other.hidden = true;
  other.title = 'Show the backward call that ran this box, step by step';
  bar.append(button, status, skip, other);
  document.getElementById('graph-legend').before(bar);

  // The box in hand with its label and the steps of the shown pass that ran its nodes, or null.
  function inHand() {
    const id = store.get('box');
    const hierarchy = id ? graph.hierarchy() : null;
    const group = hierarchy && hierarchy.groups.get(id);
    const pass = store.pass();
    if (!group || !pass) return null;
    return { id, label: group.label, pass, positions: boxStepPositions(pass, hierarchy, id) };
  }

  function go() {
    const box = inHand();
    if (!box || box.positions.length === 0) return;
    const first = box.positions[0];
    store.set({ position: first - 1 });
    // The graph keeps the cursor's node (the step before) in view; where → leads, the box's first
    // node, is brought on screen too if it is not.
    graph.reveal(box.pass.steps[first - 1].node);
    render();
  }

  function showItsPass() {
    const box = inHand();
    const k = box && box.positions.length === 0 ? passOfBox(store.get('trace').passes, graph.hierarchy(), box.id, store.get('passIndex')) : -1;
    if (k >= 0) store.set({ passIndex: k, position: 0 });
  }

  function skipOn() {
    const box = inHand();
    const target = box && skipTarget(box.positions, store.get('position'));
    if (target === null || !box) return;
    store.set({ position: target });
    graph.reveal(box.pass.steps[target].node);
  }

  // Only what changed is written: the strip's height follows its text, and the graph is told first.
  const write = (element, key, value) => {
    if (element[key] === value) return;
    graph.keepViewOnResize();
    element[key] = value;
  };

  // The verb goes where the button would otherwise shorten its box's name: measured, since the name,
  // the status beside it and the strip's width all decide. Gone for a box at a width, it stays gone
  // while the cursor walks the box: the status's words change length on each step, and a verb that
  // came and went with them made the button's text jump on each →.
  let terseFor = '';
  const shortened = () => button.scrollWidth > button.clientWidth || parts[1].scrollWidth > parts[1].clientWidth;
  function fitButton(boxId) {
    const key = `${boxId}|${bar.clientWidth}`;
    if (key !== terseFor) {
      terseFor = key;
      button.classList.remove('terse');
    }
    if (!button.classList.contains('terse') && shortened()) button.classList.add('terse');
  }

  function render() {
    const box = inHand();
    write(bar, 'hidden', !box);
    if (!box) return;
    const count = box.positions.length;
    write(button, 'hidden', count === 0);
    const texts = Object.values(buttonParts(box.label, box.positions));
    parts.forEach((span, k) => write(span, 'textContent', texts[k]));
    const whole = buttonText(box.label, box.positions);
    // Its name given outright: the two parts are flex items, whose text a name from content spaces apart.
    if (button.getAttribute('aria-label') !== whole) button.setAttribute('aria-label', whole);
    button.title = `${whole}. ${HOW}`; // the whole text where the strip shortened it
    const words = progressWords(box.positions, store.get('position'));
    write(statusBox, 'textContent', words ? `${box.label}: ` : '');
    write(statusBox, 'className', count === 0 ? '' : 'sr-only');
    write(statusWords, 'textContent', words);
    status.title = statusBox.textContent + words;
    const target = skipTarget(box.positions, store.get('position'));
    write(skip, 'hidden', target === null);
    if (target !== null) write(skip, 'textContent', `Skip to its next step (${target + 1})`);
    const passes = store.get('trace').passes;
    const k = count === 0 ? passOfBox(passes, graph.hierarchy(), box.id, store.get('passIndex')) : -1;
    write(other, 'hidden', k < 0);
    if (k >= 0) write(other, 'textContent', `Show its backward call (iteration ${(passes[k].index ?? k) + 1})`);
    if (count > 0) fitButton(box.id);
    bar.dataset.box = box.id;
    bar.dataset.first = count ? String(box.positions[0]) : '';
    bar.dataset.last = count ? String(box.positions.at(-1)) : '';
  }

  button.addEventListener('click', go);
  skip.addEventListener('click', skipOn);
  other.addEventListener('click', showItsPass);
  document.addEventListener('keydown', (event) => {
    if (event.key !== 'b' && event.key !== 'B') return;
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event) || bar.hidden || button.hidden) return;
    event.preventDefault();
    go();
  });
  store.on(['box', 'trace', 'position', 'passIndex'], render);
  // The strip's width changes with the layout (the program panel, presentation type, a rotated phone).
  new ResizeObserver(() => {
    if (!bar.hidden) render();
  }).observe(bar);
  render();
}
