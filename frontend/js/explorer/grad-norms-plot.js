// "∇ per module": a bar per module of how big the gradient its own parameters received in the shown
// backward pass was, on a log axis, first layer first (CONTENT.md §12: in a deep sigmoid network the
// bars fall by orders of magnitude towards the input). The server sends the norms per pass.

import { readableLogAxes } from '../shared/log-axes.js';
import { loadPlotly } from '../shared/plotly-loader.js';
import { onPaletteChange, palette, themedLayout } from '../shared/palette.js';

/** The bars of `pass`: {x: module paths in forward order, y: norms}; only positive norms fit a log axis. */
export function moduleBars(pass) {
  const entries = Object.entries((pass && pass.module_grad_norms) || {}).filter(([, v]) => v > 0);
  return { x: entries.map(([k]) => k), y: entries.map(([, v]) => v) };
}

function paragraph(text) {
  const p = document.createElement('p');
  p.className = 'muted';
  p.textContent = text;
  return p;
}

export function mountGradNormsPlot(store) {
  const view = document.getElementById('grad-norms-view');
  const tab = document.querySelector(".view-tabs [data-view='gradnorms']");
  if (tab) for (const event of ['pointerenter', 'focus']) tab.addEventListener(event, () => loadPlotly().catch(() => {}), { once: true });

  async function render() {
    if (store.get('view') !== 'gradnorms') return;
    const trace = store.get('trace');
    const pass = store.pass();
    const heading = document.createElement('h2');
    heading.textContent = 'Gradient norm per module';
    const bars = moduleBars(pass);
    if (!trace || !pass || bars.x.length === 0) {
      view.replaceChildren(
        heading,
        paragraph(
          'This view plots, per nn.Module, the norm of the gradient its parameters received in a backward pass. ' +
            'Run a program with modules that calls backward, e.g. the example “§12 Vanishing gradients”.',
        ),
      );
      view.dataset.bars = '0';
      return;
    }
    const passes = trace.passes.length;
    const which = passes > 1 ? ` in backward call ${pass.index + 1} of ${passes}` : '';
    const ratio = bars.y[0] / bars.y[bars.y.length - 1];
    const note = paragraph(
      `‖gradient‖ of each module's own parameters${which}, log scale, input side first. ` +
        (bars.y.length > 1 ? `The first module gets ${ratio.toExponential(1)} times what the last gets.` : ''),
    );
    const plot = document.createElement('div');
    plot.className = 'plot';
    plot.id = 'grad-norms-plot';
    view.replaceChildren(heading, note, plot);
    view.dataset.bars = String(bars.x.length);
    const Plotly = await loadPlotly();
    if (!plot.isConnected) return; // a newer render replaced it
    const colours = palette();
    const data = [{ type: 'bar', x: bars.x, y: bars.y, marker: { color: colours.accent }, hovertemplate: '%{x}: %{y:.3e}<extra></extra>' }];
    const layout = themedLayout({
      font: { size: 16 },
      margin: { l: 70, r: 20, t: 20, b: 10 },
      xaxis: { title: { text: 'module (forward order)' }, automargin: true },
      yaxis: { type: 'log', title: { text: '‖∇ parameters‖' }, exponentformat: 'power', automargin: true },
    }, colours);
    Plotly.react(plot, data, readableLogAxes(data, layout), { displaylogo: false, responsive: true });
  }

  // The tab shows only for a trace with modules (the tab row must fit one line at 1280 px presenting).
  const showTab = () => {
    if (tab) tab.hidden = !(store.get('trace') && (store.get('trace').passes || []).some((p) => moduleBars(p).x.length));
  };
  store.on(['trace'], showTab);
  showTab();
  store.on(['view', 'trace', 'passIndex'], render);
  onPaletteChange(render); // theme or presentation switched: recolour
}
