// Writing a page's state into its URL a moment later, once per burst, flushed as the page goes.
// Each history.replaceState costs 5–20 ms and counts as a navigation the browser reports, so a
// burst of changes (a student holding →, a click that sets the form and then the runs) writes once,
// after it: not inside the handler that should only start the work.

/** Replace the page's hash without adding a history entry (nothing when it is the same). */
export function replaceHash(hash) {
  const url = `${window.location.pathname}${window.location.search}${hash ? `#${hash}` : ''}`;
  if (url !== `${window.location.pathname}${window.location.search}${window.location.hash}`) {
    window.history.replaceState(null, '', url);
  }
}

const idleFallback = (fn) => setTimeout(fn, 0); // no requestIdleCallback (Safari): the next task

/**
 * Call `write()` `delayMs` after the first `schedule()` of a burst, then (with `idle`) in idle time.
 *
 * `now()` writes at once and cancels a pending write; `flush()` writes only if one is pending, and
 * runs on `flushOn`'s 'pagehide' (pass `window`) so the last change is not lost as the page goes.
 */
export function deferredWriter(write, { delayMs = 200, idle = false, idleTimeoutMs = 1000, flushOn = null } = {}) {
  let pending = 0; // the timer of the write being waited for, 0 when none is
  function now() {
    clearTimeout(pending);
    pending = 0;
    write();
  }
  function schedule() {
    if (pending) return; // the pending write will read the state as it is then
    const timer = setTimeout(() => {
      if (!idle) {
        now();
        return;
      }
      // A write in between (now()) clears `pending`: this one is then stale.
      const whenIdle = globalThis.requestIdleCallback || idleFallback;
      whenIdle(() => pending === timer && now(), { timeout: idleTimeoutMs });
    }, delayMs);
    pending = timer;
  }
  function flush() {
    if (pending) now();
  }
  if (flushOn) flushOn.addEventListener('pagehide', flush);
  return {
    schedule,
    now,
    flush,
    get pending() {
      return pending !== 0;
    },
  };
}
