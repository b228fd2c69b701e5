// One store per page: plain data plus a 'change' event naming the keys that changed
// (the explorer's ExplorerStore and the labs' stores extend it).

export class Store extends EventTarget {
  constructor(initial = {}) {
    super();
    this.state = { ...initial };
  }

  get(key) {
    return this.state[key];
  }

  /** Merge `patch`; listeners receive the names of the keys whose values changed. */
  set(patch) {
    const keys = Object.keys(patch).filter((k) => this.state[k] !== patch[k]);
    if (keys.length === 0) return;
    Object.assign(this.state, patch);
    this.dispatchEvent(new CustomEvent('change', { detail: { keys: new Set(keys) } }));
  }

  /** Call `listener(state, keys)` whenever one of `keys` changes. */
  on(keys, listener) {
    const wanted = new Set(keys);
    this.addEventListener('change', (event) => {
      const changed = event.detail.keys;
      if ([...changed].some((k) => wanted.has(k))) listener(this.state, changed);
    });
  }
}
