// Loss per iteration of a program that made several backward passes (a training loop), from the
// trace's pass_summaries; the gradient norm of each parameter on a log axis (one click in the
// legend); clicking a point opens that iteration's backward pass step by step.

import { readableLogAxes } from '../shared/log-axes.js';
import { loadPlotly } from '../shared/plotly-loader.js';
import { LIGHT, onPaletteChange, palette, themedLayout } from '../shared/palette.js';
import { passCount } from './pass-picker.js';

const MARKERS_UP_TO = 200; // above this many iterations a line reads better than dots

/** Plotly traces: the loss per iteration (1-based), the shown iteration marked, ‖grad‖ per module or parameter. */
export function passTraces(summaries, shownIndex, colours = LIGHT) {
  const n = summaries.count;
  const x = Array.from({ length: n }, (_, i) => i + 1);
  const traces = [
    {
      x,
      y: summaries.loss,
      name: 'loss',
      mode: n <= MARKERS_UP_TO ? 'lines+markers' : 'lines',
      line: { width: 2, color: colours.accent },
      hovertemplate: 'iteration %{x}<br>loss %{y:.4g}<extra></extra>',
    },
  ];
  // per module (model.fc1) when parameters belong to modules: a deep network's layers, not 2× as many lines
  const modules = summaries.module_grad_norms || {};
  const perName = Object.keys(modules).length ? modules : summaries.grad_norms || {};
  for (const [name, norms] of Object.entries(perName)) {
    traces.push({
      x,
      y: norms,
      name: `‖∇ ${name}‖`,
      mode: 'lines',
      yaxis: 'y2',
      visible: 'legendonly',
      hovertemplate: `iteration %{x}<br>‖∇ ${name}‖ %{y:.3g}<extra></extra>`,
    });
  }
  if (shownIndex !== null && shownIndex !== undefined && shownIndex < n) {
    traces.push({
      x: [shownIndex + 1],
      y: [summaries.loss[shownIndex]],
      name: 'shown',
      mode: 'markers',
      marker: { size: 11, color: colours.output },
      hoverinfo: 'skip',
    });
  }
  return traces;
}

export function mountPassesPlot(store, { openIteration }) {
  // A <details>: on a 720-px projector the open plot would leave the graph a strip, so it starts
  // closed there (the pass picker beside it still says which iteration of how many is shown); open on
  // taller screens.
  const panel = document.createElement('details');
  panel.id = 'passes-panel';
  panel.className = 'passes-panel';
  panel.setAttribute('aria-label', 'Loss per iteration');
  panel.hidden = true;
  panel.open = window.innerHeight >= 900;
  const title = document.createElement('summary');
  const plot = document.createElement('div');
  plot.id = 'passes-plot';
  plot.className = 'passes-plot';
  const hint = document.createElement('p');
  hint.className = 'muted';
  hint.textContent = 'Click a point to step through that iteration’s backward pass.';
  panel.append(title, plot, hint);
  // under the graph, above the console: the loop's story at a glance, the shown iteration on its row
  document.getElementById('passes-row').prepend(panel);
  let bound = false;
  panel.addEventListener('toggle', () => {
    if (panel.open && plot.data && window.Plotly) window.Plotly.Plots.resize(plot); // drawn while closed: 0 wide
  });

  async function render() {
    const trace = store.get('trace');
    const summaries = trace && trace.pass_summaries;
    panel.hidden = passCount(trace) < 2 || !summaries || !summaries.count;
    if (panel.hidden) return;
    // which iteration of how many is said beside it (pass-picker.js): the summary keeps one line
    title.textContent = 'Loss per iteration';
    const pass = store.pass();
    const traces = passTraces(summaries, pass ? pass.index : null, palette());
    // The log axis gets its range from the norms themselves: with every norm trace legend-only,
    // Plotly computed none and drew NaN paths.
    const norms = traces.filter((t) => t.yaxis === 'y2').flatMap((t) => t.y).filter((v) => v > 0);
    const y2Range = norms.length ? [Math.log10(Math.min(...norms)) - 0.2, Math.log10(Math.max(...norms)) + 0.2] : [-1, 1];
    const layout = themedLayout({
      height: 180,
      margin: { l: 50, r: 55, t: 30, b: 40 },
      showlegend: true,
      legend: { orientation: 'h', x: 0, y: 1.02, yanchor: 'bottom', font: { size: 11 } },
      hovermode: 'closest',
      xaxis: { title: { text: 'iteration' } },
      yaxis: { title: { text: 'loss' } },
      yaxis2: { overlaying: 'y', side: 'right', type: 'log', zeroline: false, showline: false, range: y2Range, autorange: false, showgrid: false, exponentformat: 'power', title: { text: '‖∇‖ (log)' } },
    });
    const Plotly = await loadPlotly();
    if (store.get('trace') !== trace) return;
    await Plotly.react(plot, traces, readableLogAxes(traces, layout), { displayModeBar: false, responsive: true });
    plot.dataset.points = String(summaries.count);
    if (!bound) {
      bound = true;
      plot.on('plotly_click', (event) => {
        const point = event && event.points && event.points[0];
        if (point) openIteration(Number(point.x));
      });
    }
  }
  store.on(['trace', 'passIndex'], () => {
    render().catch((error) => {
      plot.textContent = `The plot could not be drawn: ${error.message}`;
    });
  });
  onPaletteChange(() => !panel.hidden && render()); // theme or presentation switched: recolour
}
