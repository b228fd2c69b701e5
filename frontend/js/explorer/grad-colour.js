// "Colour by |grad|": each node's fill says how big the gradient it received in the shown backward
// pass was (the L2 norm of its grad_output, sent per step by the server), on a log scale, so a deep
// sigmoid network's vanishing gradients (CONTENT.md §12) read as a colour fading layer by layer.

/** Light fills from small to large, readable under the graph's dark label text in either theme. */
export const PALETTE = ['#dbeafe', '#bfe6d0', '#fde68a', '#fdba74', '#f87171'];
const ZERO = '#eef0f4'; // received exactly zero

/** Map node id → the norm of the gradient it received in `pass` (steps without one are left out). */
export function gradNorms(pass) {
  const norms = new Map();
  for (const step of (pass && pass.steps) || []) {
    if (typeof step.grad_norm === 'number') norms.set(step.node, step.grad_norm);
  }
  return norms;
}

/** The scale's whole decades {lo, hi} (10^lo ≤ every positive norm ≤ 10^hi), or null without one. */
export function logScale(norms) {
  let min = Infinity;
  let max = -Infinity;
  for (const v of norms.values()) {
    if (v > 0) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
  }
  if (!Number.isFinite(min)) return null;
  const lo = Math.floor(Math.log10(min));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(max)) || 0); // never -0
  return { lo, hi };
}

const rgb = (hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));

/** The fill for `norm` on `scale`: interpolated between the palette's stops by log10(norm). */
export function colourFor(norm, scale) {
  if (!(norm > 0) || !scale) return ZERO;
  const t = Math.min(1, Math.max(0, (Math.log10(norm) - scale.lo) / (scale.hi - scale.lo)));
  const at = t * (PALETTE.length - 1);
  const i = Math.min(PALETTE.length - 2, Math.floor(at));
  const f = at - i;
  const [a, b] = [rgb(PALETTE[i]), rgb(PALETTE[i + 1])];
  const mix = a.map((c, k) => Math.round(c + (b[k] - c) * f));
  return `#${mix.map((c) => c.toString(16).padStart(2, '0')).join('')}`;
}

const power = (e) => `10${String(e).replace('-', '⁻').replace(/\d/g, (d) => '⁰¹²³⁴⁵⁶⁷⁸⁹'[Number(d)])}`;

/** The largest norm among `ids` (a closed box shows its largest gradient), or undefined. */
function largest(norms, ids) {
  let best;
  for (const id of ids) {
    const v = norms.get(id);
    if (v !== undefined && (best === undefined || v > best)) best = v;
  }
  return best;
}

/**
 * Paint the drawn nodes of `cy` by their gradient's size, or clear the paint. `nodesOf(drawnId)`
 * gives the trace node ids a drawn element stands for (one node, or every node in a closed box).
 */
export function paintGradients(cy, pass, on, nodesOf) {
  if (!cy) return null;
  // Off (the default), only what was painted is cleared: removing a style from every drawn node
  // restyled them all, 5 ms of each step through a 20,000-node graph whose boxes open as it goes.
  const painted = cy.scratch('_gradPainted') || new Set();
  cy.scratch('_gradPainted', painted);
  if (!on) {
    if (painted.size) cy.batch(() => cy.nodes().forEach((drawn) => painted.has(drawn.id()) && drawn.removeStyle('background-color')));
    painted.clear();
    return null;
  }
  const norms = gradNorms(pass);
  const scale = logScale(norms);
  cy.batch(() => {
    cy.nodes().forEach((drawn) => {
      const norm = largest(norms, nodesOf(drawn.id()));
      if (norm !== undefined && !drawn.hasClass('open')) {
        drawn.style('background-color', colourFor(norm, scale));
        painted.add(drawn.id());
      } else if (painted.delete(drawn.id())) {
        drawn.removeStyle('background-color');
      }
    });
  });
  return scale;
}

/** Wire the toolbar's checkbox to the store and keep the legend's scale bar in step with the paint. */
export function mountGradColour(store) {
  const toggle = document.getElementById('grad-colour');
  const legend = document.getElementById('grad-legend');
  toggle.addEventListener('change', () => store.set({ gradColour: toggle.checked }));
  const render = () => {
    toggle.checked = store.get('gradColour');
    const pass = store.pass();
    toggle.disabled = !pass;
    const scale = store.get('gradColour') ? logScale(gradNorms(pass)) : null;
    legend.hidden = !scale;
    if (!scale) return;
    const bar = document.createElement('span');
    bar.className = 'grad-bar';
    bar.style.background = `linear-gradient(to right, ${PALETTE.join(', ')})`;
    const low = document.createElement('span');
    low.textContent = `‖∂f/∂node‖ ${power(scale.lo)}`;
    const high = document.createElement('span');
    high.textContent = `${power(scale.hi)} (log scale)`;
    legend.replaceChildren(low, bar, high);
  };
  store.on(['gradColour', 'trace', 'passIndex'], render);
  render();
}
