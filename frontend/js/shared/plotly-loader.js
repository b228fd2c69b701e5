// Plotly is 3.5 MB: load it on first use instead of delaying every page's first paint.

let loading = null;

/** Resolves to window.Plotly, injecting /vendor/plotly.min.js once. */
export function loadPlotly() {
  if (window.Plotly) return Promise.resolve(window.Plotly);
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
