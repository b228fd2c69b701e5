// Numbers and tensors as text. Non-finite values arrive as null (a tensor's `nonfinite` says which
// of nan/inf/-inf; restoreNonFinite puts them back): docs/api.md, Numbers. toNumber still reads the
// strings "nan"/"inf"/"-inf" of API versions before 5.

const MINUS = '\u2212';

/** "1 node", "3 nodes", "0 nodes": a count and its noun, plural unless it is exactly one. */
export function counted(count, noun, plural = `${noun}s`) {
  return `${count} ${count === 1 ? noun : plural}`;
}

/** A JSON number, null or one of the server's non-finite spellings as a JS number. */
export function toNumber(value) {
  if (typeof value === 'number') return value;
  if (value === null || value === undefined) return NaN; // not finite, never 0 (Number(null) is 0)
  if (value === 'nan') return NaN;
  if (value === 'inf') return Infinity;
  if (value === '-inf') return -Infinity;
  const parsed = Number(value);
  return Number.isNaN(parsed) ? NaN : parsed;
}

const NON_FINITE = { nan: NaN, inf: Infinity, '-inf': -Infinity };

/**
 * Puts back, in place, the non-finite elements of every TensorValue under `root`: the JSON writes
 * them null in `data` and lists them in `nonfinite` (docs/api.md, Numbers); the page reads
 * NaN/±Infinity. JSON.stringify writes them null again, so an export stays the wire form.
 */
export function restoreNonFinite(root) {
  if (Array.isArray(root)) {
    for (const item of root) restoreNonFinite(item);
  } else if (root !== null && typeof root === 'object') {
    if (Array.isArray(root.nonfinite)) {
      for (const { index, value } of root.nonfinite) {
        if (index.length === 0) root.data = NON_FINITE[value];
        else index.slice(0, -1).reduce((row, i) => row[i], root.data)[index[index.length - 1]] = NON_FINITE[value];
      }
    } else {
      for (const key of Object.keys(root)) restoreNonFinite(root[key]);
    }
  }
  return root;
}

/** A number in at most `digits` significant digits, with a true minus sign and no trailing zeros. */
export function formatNumber(value, digits = 4) {
  const x = toNumber(value);
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return '∞';
  if (x === -Infinity) return `${MINUS}∞`;
  if (x === 0) return '0';
  const abs = Math.abs(x);
  let text;
  if (abs >= 1e5 || abs < 1e-4) {
    const [mantissa, exponent] = abs.toExponential(digits - 1).split('e');
    text = `${trimZeros(mantissa)}e${Number(exponent) < 0 ? MINUS : ''}${Math.abs(Number(exponent))}`;
  } else {
    text = trimZeros(abs.toPrecision(digits));
    if (text.includes('e')) text = String(Number(text));
  }
  if (text === '0') return '0';
  return x < 0 ? MINUS + text : text;
}

function trimZeros(text) {
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

/** "scalar" for [], "2×3" otherwise. */
export function formatShape(shape) {
  if (!shape || shape.length === 0) return 'scalar';
  return shape.join('×');
}

/** Every element of nested `data` in row-major order. */
export function flatten(data) {
  if (!Array.isArray(data)) return [data];
  const out = [];
  const walk = (d) => (Array.isArray(d) ? d.forEach(walk) : out.push(d));
  walk(data);
  return out;
}

/** True for a TensorValue holding one number (shape [] or all ones). */
export function isScalar(tensor) {
  return Boolean(tensor) && tensor.shape.every((n) => n === 1) && tensor.data !== null;
}

/** The single number of a one-element TensorValue, else null. */
export function scalarValue(tensor) {
  if (!tensor || tensor.data === null || tensor.data === undefined) return null;
  const flat = flatten(tensor.data);
  return flat.length === 1 ? toNumber(flat[0]) : null;
}

/** A compact one-line rendering: "3", "[1, 2, 3]", "[[1, 2], [3, 4]]", or a summary when truncated. */
export function formatTensor(tensor, { maxElements = 6, digits = 4, short = false } = {}) {
  if (tensor === null || tensor === undefined) return '—';
  if (typeof tensor === 'number' || typeof tensor === 'string') return formatNumber(tensor, digits);
  if (tensor.data === null || tensor.data === undefined) {
    const s = tensor.summary;
    if (!s) return `${formatShape(tensor.shape)} tensor`;
    if (short) return `${formatShape(tensor.shape)}, mean ${formatNumber(s.mean, 3)}`;
    return `${formatShape(tensor.shape)}: min ${formatNumber(s.min, 3)}, max ${formatNumber(s.max, 3)}, mean ${formatNumber(s.mean, 3)}`;
  }
  if (short && tensor.shape.length >= 2) {
    // A cut matrix in a narrow cell ("[[0.0677], [0.05885], …]" in the accumulator table) broke
    // into lines of brackets and commas and told less than its shape and mean, which the rows of
    // summarized tensors beside it show.
    const flat = flatten(tensor.data).map(toNumber);
    if (flat.length > maxElements) {
      return `${formatShape(tensor.shape)}, mean ${formatNumber(flat.reduce((a, b) => a + b, 0) / flat.length, 3)}`;
    }
  }
  let budget = maxElements;
  const render = (d) => {
    if (!Array.isArray(d)) {
      budget -= 1;
      return formatNumber(d, digits);
    }
    const parts = [];
    for (const item of d) {
      if (budget <= 0) {
        parts.push('…');
        break;
      }
      parts.push(render(item));
    }
    return `[${parts.join(', ')}]`;
  };
  return render(tensor.data);
}

/** The tensor as rows of numbers for a matrix view (scalar → 1×1, vector → one column), or null. */
export function tensorMatrix(tensor) {
  if (!tensor || tensor.data === null || tensor.data === undefined) return null;
  const shape = tensor.shape || [];
  const data = tensor.data;
  if (shape.length === 0 || !Array.isArray(data)) return [[toNumber(data)]];
  if (shape.length === 1) return data.map((v) => [toNumber(v)]);
  if (shape.length === 2) return data.map((row) => row.map(toNumber));
  return null;
}

/** A zero TensorValue of `shape` (the accumulator of a node the backward pass has not reached). */
export function zeroTensor(shape = []) {
  const build = (dims) => (dims.length === 0 ? 0 : Array.from({ length: dims[0] }, () => build(dims.slice(1))));
  return { shape: [...shape], dtype: 'float32', data: build(shape), summary: null, truncated: false };
}

/** Rows of a local Jacobian (a TensorValue of shape [output elements, input elements]); null if summarized. */
export function jacobianMatrix(jacobian) {
  if (!jacobian || !Array.isArray(jacobian.data)) return null;
  return jacobian.data.map((row) => (Array.isArray(row) ? row.map(toNumber) : [toNumber(row)]));
}
