// Progress and error display shared by the lab pages: a status line with a progress bar, an alert box.

import { errorText } from '../shared/errors.js';

/** Wire a status element, an alert box and the buttons to disable while work runs. */
export function feedback(statusEl, errorEl, buttons) {
  let busy = 0;
  let shown = 0; // counts status changes: a drawing that ends clears only the message it put up

  function status(text, running = false, { disable = running } = {}) {
    shown += 1;
    statusEl.replaceChildren();
    if (running) {
      const bar = document.createElement('progress');
      bar.setAttribute('aria-label', 'working');
      statusEl.append(bar);
    }
    const span = document.createElement('span');
    span.textContent = text;
    if (text) span.title = text; // whole, where a phone's one line cuts it (labs.css)
    statusEl.append(span);
    document.body.classList.toggle('busy', running);
    for (const button of buttons) button.disabled = disable;
  }

  function error(err) {
    errorEl.hidden = !err;
    errorEl.textContent = err ? errorText(err) : '';
  }

  /**
   * Run `task` with the progress bar showing `message`; errors land in the alert box (null result).
   * Once no work is left, the line says `said(result)` (what the task reached; blank by default).
   */
  async function work(message, task, said = () => '') {
    busy += 1;
    status(message, true);
    error(null);
    let result = null;
    try {
      result = await task();
      return result;
    } catch (err) {
      error(err);
      return null;
    } finally {
      busy -= 1;
      if (busy === 0) status(result === null ? '' : said(result));
    }
  }

  /**
   * Keep the progress bar up, saying `message`, until `drawn` settles (shared/first-plot.js's
   * `plotted` or plotsDrawn()). An answer that arrives before Plotly has loaded is sketched at once,
   * and Plotly's load and first draw then hold the page for 0.3-0.6 s: without this the status went
   * blank when the answer came and a click at the page's ready moment seemed to do nothing. The
   * buttons stay usable: a newer click replaces the plot being drawn. Resolves when the draw ends,
   * the line then saying `said` (what was drawn) unless a newer message has replaced this one.
   */
  async function drawing(message, drawn, said = '') {
    status(message, true, { disable: false });
    const mine = shown;
    let text = '';
    try {
      await drawn;
      text = said;
    } catch (err) {
      error(err);
    } finally {
      if (shown === mine) status(text);
    }
  }

  return { status, error, work, drawing };
}
