// Page state in the URL hash as compact JSON (only what differs from the defaults): shareable links.

/** "s=<json>" holding the entries of `state` that differ from `defaults`, or '' when none do. */
export function encodeDiff(state, defaults) {
  const diff = {};
  for (const [key, value] of Object.entries(state)) {
    if (JSON.stringify(value) !== JSON.stringify(defaults[key])) diff[key] = value;
  }
  return Object.keys(diff).length ? `s=${encodeURIComponent(JSON.stringify(diff))}` : '';
}

/** The object stored by `encodeDiff` in `hash` (with or without '#'); {} when absent or malformed. */
export function decodeDiff(hash) {
  const params = new URLSearchParams((hash || '').replace(/^#/, ''));
  if (!params.has('s')) return {};
  try {
    const value = JSON.parse(params.get('s'));
    return value && typeof value === 'object' && !Array.isArray(value) ? value : {};
  } catch {
    return {};
  }
}
