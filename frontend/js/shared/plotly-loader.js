// Plotly is large: load it on first use instead of delaying every page's first paint.
// Every trace the pages draw (scatter, heatmap, contour, log axes) is in Plotly's cartesian
// build, 1.5 MB against the full bundle's 4.8 MB, and parsing it is most of a first plot's wait.
// The full bundle (3-D, maps) stays at /vendor/plotly.min.js, served from the plotly Python package.

export const BUNDLES = Object.freeze({
  cartesian: '/vendor/plotly/plotly-cartesian.min.js',
  full: '/vendor/plotly.min.js',
});

const loading = new Map();

/**
 * Resolves to window.Plotly, injecting the bundle once. Both bundles define the same global, so a
 * page asks for one kind only; 'full' is for traces outside the cartesian set (surface, scatter3d).
 */
export function loadPlotly(kind = 'cartesian') {
  const src = BUNDLES[kind];
  if (!src) return Promise.reject(new Error(`unknown Plotly bundle "${kind}"`));
  if (!loading.has(kind)) {
    if (window.Plotly && loading.size === 0) return Promise.resolve(window.Plotly); // a page that inlined it
    // A standalone page (a saved recording) loads nothing from anywhere: callers fall back to tables.
    if (document.documentElement.dataset.offline === 'true') return Promise.reject(new Error('Plotly is not part of an offline page'));
    loading.set(kind, new Promise((resolve, reject) => {
      const script = document.createElement('script');
      script.src = src;
      script.onload = () => resolve(window.Plotly);
      script.onerror = () => {
        loading.delete(kind);
        reject(new Error('Plotly could not be loaded'));
      };
      document.head.append(script);
    }));
  }
  return loading.get(kind);
}

// What a student does to a page: any of these restarts the wait before Plotly is parsed.
const INPUT_EVENTS = ['keydown', 'pointerdown', 'wheel'];

/**
 * Load Plotly once the page has had no input for `quietMs`, in idle time; returns a cancel function.
 *
 * Parsing the cartesian bundle is one uninterruptible task (0.3 s quiet, 0.45 s loaded, measured on
 * the explorer). Started in the first idle moment after the page was ready, it landed on a student's
 * first → (the 20,003-node MLP's first step waited for it: bench/frontend_bench.py); after a quiet
 * moment it lands while the student reads, and a plot opened later still draws without that wait.
 * `target` and `timers` are the page's window and its timer functions (tests pass fakes).
 */
export function loadPlotlyWhenQuiet({ quietMs = 1500, target = window, timers = globalThis, load = loadPlotly } = {}) {
  let timer = 0;
  let done = false;
  const restart = () => {
    timers.clearTimeout(timer);
    timer = timers.setTimeout(() => {
      const idle = timers.requestIdleCallback || ((fn) => timers.setTimeout(fn, 0));
      idle(() => {
        if (done) return;
        cancel();
        load().catch(() => {});
      }, { timeout: 3000 });
    }, quietMs);
  };
  function cancel() {
    done = true;
    timers.clearTimeout(timer);
    for (const type of INPUT_EVENTS) target.removeEventListener(type, restart, true);
  }
  for (const type of INPUT_EVENTS) target.addEventListener(type, restart, { capture: true, passive: true });
  restart();
  return cancel;
}
