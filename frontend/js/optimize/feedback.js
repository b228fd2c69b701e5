// Progress and error display shared by the lab pages: a status line with a progress bar, an alert box.

import { errorText } from '../shared/errors.js';

/** Wire a status element, an alert box and the buttons to disable while work runs. */
export function feedback(statusEl, errorEl, buttons) {
  let busy = 0;

  function status(text, running = false) {
    statusEl.replaceChildren();
    if (running) {
      const bar = document.createElement('progress');
      bar.setAttribute('aria-label', 'working');
      statusEl.append(bar);
    }
    const span = document.createElement('span');
    span.textContent = text;
    statusEl.append(span);
    document.body.classList.toggle('busy', running);
    for (const button of buttons) button.disabled = running;
  }

  function error(err) {
    errorEl.hidden = !err;
    errorEl.textContent = err ? errorText(err) : '';
  }

  /** Run `task` with the progress bar showing `message`; errors land in the alert box (null result). */
  async function work(message, task) {
    busy += 1;
    status(message, true);
    error(null);
    try {
      return await task();
    } catch (err) {
      error(err);
      return null;
    } finally {
      busy -= 1;
      if (busy === 0) status('');
    }
  }

  return { status, error, work };
}
