// The numbers behind a plot drawn before Plotly has loaded (sketch-plot.js): axis ranges and ticks
// chosen as Plotly chooses them (steps of 1, 2 or 5 × 10^k; powers of ten on a log axis), and
// Plotly's Viridis colour scale. No DOM here, so node tests check them.

// Plotly's Viridis stops (plotly.js src/components/colorscale/scales.js), as [position, r, g, b].
const VIRIDIS = [
  '#440154', '#48186a', '#472d7b', '#424086', '#3b528b', '#33638d', '#2c728e', '#26828e', '#21918c',
  '#1fa088', '#28ae80', '#3fbc73', '#5ec962', '#84d44b', '#addc30', '#d8e219', '#fde725',
].map((hex, i, all) => [i / (all.length - 1), ...[1, 3, 5].map((k) => parseInt(hex.slice(k, k + 2), 16))]);

/** The Viridis colour at `t` in [0, 1] (clamped) as [r, g, b], interpolated between Plotly's stops. */
export function viridis(t) {
  const u = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0));
  let i = 1;
  while (i < VIRIDIS.length - 1 && VIRIDIS[i][0] < u) i += 1;
  const [p0, ...a] = VIRIDIS[i - 1];
  const [p1, ...b] = VIRIDIS[i];
  const f = p1 === p0 ? 0 : (u - p0) / (p1 - p0);
  return a.map((v, k) => Math.round(v + (b[k] - v) * f));
}

/** Plotly's tick count for an axis `length` px long (its autoTicks: one per 80 px on x, 40 on y). */
export function tickTarget(length, letter) {
  return Math.min(9, Math.max(4, length / (letter === 'y' ? 40 : 80))) + 1;
}

/** The step between ticks as Plotly rounds it: up to 2, 5 or 10 × 10^k from `span / target`. */
export function tickStep(span, target) {
  if (!(span > 0) || !(target > 0)) return 1;
  const raw = span / target;
  const power = 10 ** Math.floor(Math.log10(raw));
  const m = raw / power;
  return power * [2, 5, 10].find((v) => v >= m - 1e-9);
}

/** Tick values inside [lo, hi], about `target` of them, on multiples of a round step. */
export function linearTicks(lo, hi, target) {
  const step = tickStep(hi - lo, target);
  const ticks = [];
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k += 1) {
    ticks.push(Math.abs(k * step) < step * 1e-9 ? 0 : k * step);
  }
  return { step, ticks };
}

/**
 * Ticks of a log axis over [lo, hi] (powers of ten), as Plotly places them: every power (or every
 * few) on a long range; else the powers and between them 2 and 5 ('D2') or every digit ('D1').
 * Under one power of ten, the numbers themselves at a round linear step ('L'). `dtick` 'D2' asks for
 * 1, 2 and 5 whatever the range. Each tick: { at (power of ten), and exponent (a power's) with digit
 * (2 to 9) between powers, or value and step (an 'L' tick) }.
 */
export function logTicks(lo, hi, target, dtick = undefined) {
  const rough = (hi - lo) / target;
  const ticks = [];
  if (rough <= 0.7 && hi - lo < 1 && dtick === undefined) {
    // Under one power of ten Plotly ticks the numbers themselves ('L'), at a round step, labelled whole.
    const [a, b] = [10 ** lo, 10 ** hi];
    const { step, ticks: values } = linearTicks(a, b, (1.5 * (hi - lo)) / rough);
    return values.filter((v) => v > 0).map((v) => ({ at: Math.log10(v), value: v, step }));
  }
  if (rough > 0.7 && dtick !== 'D2') {
    const every = Math.ceil(rough);
    for (let e = Math.ceil(lo / every - 1e-9) * every; e <= hi + 1e-9; e += every) ticks.push({ at: e, exponent: e });
    return ticks;
  }
  const digits = rough > 0.3 || dtick === 'D2' ? [1, 2, 5] : [1, 2, 3, 4, 5, 6, 7, 8, 9];
  for (let e = Math.floor(lo); e <= Math.ceil(hi); e += 1) {
    for (const d of digits) {
      const at = e + Math.log10(d);
      if (at < lo - 1e-9 || at > hi + 1e-9) continue;
      ticks.push(d === 1 ? { at, exponent: e } : { at, exponent: e, digit: d });
    }
  }
  return ticks;
}

const SI = { '-9': 'n', '-6': 'μ', '-3': 'm', 3: 'k', 6: 'M', 9: 'G', 12: 'T' };

/**
 * The label of the tick `digit` × 10^`exponent` on a log axis, as Plotly writes it (between powers of
 * ten with minorloglabels 'complete'): 'power' format 10 or "2x10" with the exponent raised (the
 * digit alone at 10^0); else the number ("0.02", "1", "20"), or with an SI suffix beyond
 * 10^-3 … 10^2 ("20k", "10μ").
 */
export function digitLabel(digit, exponent, format) {
  const base = digit === 1 ? '10' : `${digit}x10`;
  const raised = { base, exponent: String(exponent).replace('-', '−') };
  if (format === 'power') return exponent === 0 ? String(digit) : exponent === 1 ? base : raised;
  if (exponent >= -3 && exponent <= 2) return formatTick(digit * 10 ** exponent, 10 ** Math.min(0, exponent));
  const group = Math.floor(exponent / 3) * 3;
  return SI[group] ? `${digit * 10 ** (exponent - group)}${SI[group]}` : raised;
}

/** A power of ten's label: Plotly's 'power' format (1, 10, 10^k) or its default, SI (0.01, 1, 1k, 10M). */
export function powerLabel(exponent, format) {
  return digitLabel(1, exponent, format);
}

/** A tick's label as Plotly writes it: the step's decimals, trailing zeros dropped (0.50 → "0.5", 1.0 → "1", −0 → "0"). */
export function formatTick(value, step) {
  const decimals = Math.max(0, Math.ceil(-Math.log10(step) - 1e-9));
  const text = value.toFixed(Math.min(decimals + 1, 12)).replace(/\.?0+$/, '');
  return text === '-0' ? '0' : text.replace('-', '−');
}

/** A layout's key for axis `id` ('x2' → 'xaxis2'). */
export const axisKey = (id) => `${id[0]}axis${id.slice(1)}`;

/**
 * Every axis the traces use (x and y always), with the values they put on it and whether Plotly pads
 * its range: a scatter's y range, and its x range only for markers (a line spans it exactly).
 */
export function traceAxes(data) {
  const axes = new Map();
  const axis = (id) => {
    if (!axes.has(id)) axes.set(id, { values: [], pad: false });
    return axes.get(id);
  };
  axis('x');
  axis('y');
  for (const trace of data) {
    const xa = axis(trace.xaxis || 'x');
    const ya = axis(trace.yaxis || 'y');
    xa.values.push(...(trace.x || []));
    ya.values.push(...(trace.y || []));
    if (!trace.type || trace.type === 'scatter') {
      ya.pad = true;
      if (String(trace.mode || 'markers').includes('markers')) xa.pad = true;
    }
  }
  return axes;
}

/**
 * The range Plotly's autorange picks for `values` (nulls and non-finite skipped; only positives on
 * a log axis, whose range is in powers of ten): their extent, `pad`ded as Plotly pads it (the values
 * over the middle 90 % of the axis); ±1 around a single value; with none, Plotly's empty axis
 * ([-1, 6] on x, [-1, 4] on y).
 */
export function autoRange(values, { log = false, pad = false, letter = 'x' } = {}) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const raw of values) {
    if (raw === null || raw === undefined) continue;
    const v = log ? Math.log10(raw) : Number(raw);
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo === Infinity) return letter === 'y' ? [-1, 4] : [-1, 6];
  if (lo === hi) return [lo - 1, hi + 1];
  const margin = pad ? ((hi - lo) * 0.05) / 0.9 : 0;
  return [lo - margin, hi + margin];
}
