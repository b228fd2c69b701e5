// Resizable, collapsible side panels and the presentation mode (one switch, every page), remembered in localStorage.
// The layout arithmetic is pure (tested with node --test); mountPanels() wires it to the page.

export const LAYOUT_KEY = 'autograd-explorer:layout';
export const PRESENT_KEY = 'autograd-explorer:presentation';
export const RAIL = 44; // px: a collapsed panel's rail with its open button

/** Width limits (px) of each panel; the program panel opens at 60+ columns of code. */
export const LIMITS = Object.freeze({
  editor: { min: 680, max: 1100 }, // 60 columns of the 16 px code font (9.6 px) + gutter + padding
  side: { min: 300, max: 720 },
});
export const CENTRE_MIN = 420; // the graph's column never gets narrower than this when a panel opens
// The graph's column in the default layout: the program panel starts open only where the graph
// keeps this much beside it. At 1600 px an open program (60 columns) left the graph 430 px, where
// a chain of a dozen nodes is drawn below the 14 px labels' zoom; closed, the graph gets 1060 px.
export const GRAPH_ROOM = 720;
export const CHROME = 80; // the page's padding, the grid's gaps and the two splitters (px)

/** The default layout for a viewport `width`: the side panel (steps, inspector) always open, the
 * program panel open where the graph still gets GRAPH_ROOM (1880 px and up), else on its rail. */
export function defaultLayout(width) {
  const side = width >= 1500 ? 420 : 340;
  return {
    editor: { open: width - LIMITS.editor.min - side - CHROME >= GRAPH_ROOM, width: LIMITS.editor.min },
    side: { open: true, width: side },
  };
}

const clamp = (x, { min, max }) => Math.min(max, Math.max(min, Math.round(x)));

/** A valid layout from anything stored (missing or malformed parts take the defaults). */
export function normalizeLayout(stored, width) {
  const base = defaultLayout(width);
  const out = {};
  for (const name of Object.keys(base)) {
    const s = stored && typeof stored === 'object' ? stored[name] : null;
    const w = s && Number.isFinite(s.width) ? s.width : base[name].width;
    out[name] = { open: s && typeof s.open === 'boolean' ? s.open : base[name].open, width: clamp(w, LIMITS[name]) };
    if (s && s.yielded === true && !out[name].open) out[name].yielded = true;
  }
  return out;
}

/** Panel `name` dragged by `dx` px (the side panel grows to the left). */
export function resized(layout, name, dx) {
  const grow = name === 'side' ? -dx : dx;
  return { ...layout, [name]: { open: true, width: clamp(layout[name].width + grow, LIMITS[name]) } };
}

/**
 * Panel `name` opened or closed (`open` omitted: toggled) in a viewport `width`. Where both panels
 * open would leave the graph under CENTRE_MIN, opening one sends the other to its rail, marked as
 * having yielded, and closing the one opened gives it back: at 1280 px the program (680) beside the
 * steps (300) left the graph a 220 px strip, nothing drawn in it readable.
 */
export function toggled(layout, name, open = !layout[name].open, width = Infinity) {
  const other = name === 'editor' ? 'side' : 'editor';
  const next = { ...layout, [name]: { open, width: layout[name].width } };
  const crowded = width - LIMITS.editor.min - LIMITS.side.min - CHROME < CENTRE_MIN;
  if (open && crowded && next[other].open) next[other] = { open: false, width: next[other].width, yielded: true };
  else if (!open && next[other].yielded) next[other] = { open: true, width: next[other].width };
  return next;
}

export const ONE_COLUMN = 1100; // px: at and below it explorer.css stacks the panels in one column

/**
 * The layout as drawn in a viewport `width`. Both panels left open where they no longer fit beside
 * the graph (a layout left open on a 1920 px screen, then shown on a 1280 px projector: the graph
 * got a 230 px strip between them) shows the program on its rail, yielded, as opening it there
 * would have: the stored layout is unchanged, and a wider window shows both again.
 */
export function shown(layout, width) {
  if (width <= ONE_COLUMN || !(layout.editor.open && layout.side.open)) return layout;
  if (width - LIMITS.editor.min - LIMITS.side.min - CHROME >= CENTRE_MIN) return layout;
  return { ...layout, editor: { open: false, width: layout.editor.width, yielded: true } };
}

/** The widths actually used in a viewport `width`: open panels shrink (never below their
 * minimum) before the centre column drops under CENTRE_MIN. */
export function fitted(layout, width) {
  const used = (p) => (p.open ? p.width : RAIL);
  let editor = used(layout.editor);
  let side = used(layout.side);
  let spare = width - editor - side - CENTRE_MIN;
  if (spare < 0 && layout.side.open) {
    const cut = Math.min(-spare, side - LIMITS.side.min);
    side -= cut;
    spare += cut;
  }
  if (spare < 0 && layout.editor.open) editor -= Math.min(-spare, editor - LIMITS.editor.min);
  return { editor, side };
}

/** Read a JSON value from storage (null when absent or unreadable). */
export function readStored(storage, key) {
  try {
    const text = storage.getItem(key);
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

export function writeStored(storage, key, value) {
  try {
    storage.setItem(key, JSON.stringify(value));
  } catch {
    // Private mode or a full quota: the layout still works, it is just not remembered.
  }
}

/** Panels a lecturer may hide in presentation mode. */
export const PRESENT_PANELS = Object.freeze(['editor', 'side', 'legend', 'toolbar']);

/** A valid presentation setting: on or off, and the panels it hides. None by default: the program
 * panel was hidden, with no rail, so a lecturer about to paste a program had to find it in the
 * "Panels" menu first; below 1880 px it starts on its rail anyway (defaultLayout), one click away. */
export function normalizePresentation(stored) {
  const s = stored && typeof stored === 'object' ? stored : {};
  const hide = Array.isArray(s.hide) ? PRESENT_PANELS.filter((p) => s.hide.includes(p)) : [];
  return { on: s.on === true, hide };
}

/** Apply the presentation setting to the document root (every page: larger type). */
export function applyPresentation(root, presentation) {
  if (presentation.on) root.dataset.present = 'on';
  else delete root.dataset.present;
  root.dataset.presentHide = presentation.on ? presentation.hide.join(' ') : '';
}

/** Presentation mode from storage, applied now; returns it. */
export function restorePresentation(root, storage) {
  const presentation = normalizePresentation(readStored(storage, PRESENT_KEY));
  applyPresentation(root, presentation);
  return presentation;
}

/**
 * The lecturer changed presentation mode: apply, remember, and tell the page. Its colours change
 * (high contrast: 'themechange' on document, as js/shared/palette.js listens) and so do type and
 * columns (the graph and plots refit on 'resize'), and other controls showing it update
 * ('presentationchange' on document, detail: the presentation).
 */
export function setPresentation(root, storage, presentation, view = window) {
  const next = normalizePresentation(presentation);
  applyPresentation(root, next);
  writeStored(storage, PRESENT_KEY, next);
  root.ownerDocument.dispatchEvent(new CustomEvent('presentationchange', { detail: next }));
  root.ownerDocument.dispatchEvent(new CustomEvent('themechange', { detail: { presentation: next.on } }));
  view.dispatchEvent(new Event('resize'));
  return next;
}

/** The one presentation switch, a toggle button in `container` (every page's top bar). */
export function mountPresentToggle(container, storage = window.localStorage) {
  const root = document.documentElement;
  const button = document.createElement('button');
  button.type = 'button';
  button.id = 'present-toggle';
  button.className = 'present-toggle';
  button.textContent = 'Present';
  button.title = 'Presentation mode: large type and high contrast for a projector';
  const show = (presentation) => button.setAttribute('aria-pressed', String(presentation.on));
  show(restorePresentation(root, storage));
  button.addEventListener('click', () => {
    const current = normalizePresentation(readStored(storage, PRESENT_KEY));
    setPresentation(root, storage, { ...current, on: !current.on });
  });
  document.addEventListener('presentationchange', (event) => show(event.detail));
  container.append(button);
  return button;
}

/**
 * Wire splitters and collapse buttons of a three-column page: `grid` gets --editor-w and --side-w,
 * each panel element gets data-open, and `onOpen({name: open, …})` hears what is open whenever it
 * is drawn (a toggle, a resize that puts a panel on its rail). Returns { layout(), set(layout) }.
 */
export function mountPanels({ grid, panels, splitters, storage, view = window, onOpen = () => {} }) {
  let layout = normalizeLayout(readStored(storage, LAYOUT_KEY), view.innerWidth);

  function render() {
    const drawn = shown(layout, view.innerWidth);
    const { editor, side } = fitted(drawn, grid.clientWidth || view.innerWidth);
    grid.style.setProperty('--editor-w', `${editor}px`);
    grid.style.setProperty('--side-w', `${side}px`);
    const open = {};
    for (const [name, { el, toggle }] of Object.entries(panels)) {
      el.dataset.open = String(drawn[name].open);
      toggle.setAttribute('aria-expanded', String(drawn[name].open));
      open[name] = drawn[name].open;
    }
    onOpen(open);
    for (const [name, splitter] of Object.entries(splitters)) {
      splitter.setAttribute('aria-valuenow', String(drawn[name].width));
      splitter.hidden = !drawn[name].open;
    }
  }

  function set(next, remember = true) {
    layout = next;
    if (remember) writeStored(storage, LAYOUT_KEY, layout);
    render();
    view.dispatchEvent(new Event('resize')); // Plotly and the graph refit to their new boxes
  }

  for (const [name, { toggle }] of Object.entries(panels)) {
    toggle.addEventListener('click', () => {
      const current = shown(layout, view.innerWidth); // what the student sees is what the click changes
      set(toggled(current, name, !current[name].open, view.innerWidth));
    });
  }
  for (const [name, splitter] of Object.entries(splitters)) {
    splitter.setAttribute('aria-valuemin', String(LIMITS[name].min));
    splitter.setAttribute('aria-valuemax', String(LIMITS[name].max));
    splitter.addEventListener('pointerdown', (down) => {
      down.preventDefault();
      splitter.setPointerCapture(down.pointerId);
      let last = down.clientX;
      const move = (event) => {
        layout = resized(layout, name, event.clientX - last);
        last = event.clientX;
        render();
      };
      const up = () => {
        splitter.removeEventListener('pointermove', move);
        set(layout);
      };
      splitter.addEventListener('pointermove', move);
      splitter.addEventListener('pointerup', up, { once: true });
    });
    // Keyboard: arrows move the splitter by 40 px (a separator is a focusable widget).
    splitter.addEventListener('keydown', (event) => {
      const dx = { ArrowLeft: -40, ArrowRight: 40 }[event.key];
      if (!dx) return;
      event.preventDefault();
      set(resized(layout, name, dx));
    });
  }
  view.addEventListener('resize', render);
  render();
  return { layout: () => layout, set };
}
