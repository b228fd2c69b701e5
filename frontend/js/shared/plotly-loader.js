// Plotly is 3.5 MB: load it on first use instead of delaying every page's first paint.

let loading = null;

/** Resolves to window.Plotly, injecting /vendor/plotly.min.js once. */
export function loadPlotly() {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  // A standalone page (a saved recording) loads nothing from anywhere: callers fall back to tables.
  if (document.documentElement.dataset.offline === 'true') return Promise.reject(new Error('Plotly is not part of an offline page'));
  if (!loading) {
    loading = new Promise((resolve, reject) => {
      const script = document.createElement('script');
      script.src = '/vendor/plotly.min.js';
      script.onload = () => resolve(window.Plotly);
      script.onerror = () => {
        loading = null;
        reject(new Error('Plotly could not be loaded'));
      };
      document.head.append(script);
    });
  }
  return loading;
}
