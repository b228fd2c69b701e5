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
