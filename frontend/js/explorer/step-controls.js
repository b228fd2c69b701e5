// First / previous / play / next / last, a slider, a speed and the arrow keys over the backward steps.

import { lineText } from '../shared/errors.js';

export function mountStepControls(store) {
  const bar = document.getElementById('step-controls');
  const slider = document.getElementById('step-slider');
  const label = document.getElementById('step-label');
  const speed = document.getElementById('speed');
  const passPicker = document.getElementById('pass-picker');
  const passLabel = document.getElementById('pass-picker-label');
  const playButton = bar.querySelector('[data-action="play"]');
  let timer = null;

  const go = (position) => {
    const count = store.stepCount();
    store.set({ position: Math.max(0, Math.min(count, position)) });
  };

  const stop = () => {
    if (timer) clearInterval(timer);
    timer = null;
    playButton.textContent = '▶ play';
    playButton.setAttribute('aria-label', 'Play');
  };

  const play = () => {
    if (timer) return stop();
    if (store.get('position') >= store.stepCount()) go(0);
    playButton.textContent = '❚❚ pause'; // U+275A: DejaVu has it; no font here has ⏸ (U+23F8), drawn as a box
    playButton.setAttribute('aria-label', 'Pause');
    timer = setInterval(() => {
      if (store.get('position') >= store.stepCount()) return stop();
      go(store.get('position') + 1);
    }, Number(speed.value));
    return undefined;
  };

  const actions = {
    first: () => go(0),
    prev: () => go(store.get('position') - 1),
    next: () => go(store.get('position') + 1),
    last: () => go(store.stepCount()),
    play,
  };

  bar.addEventListener('click', (event) => {
    const button = event.target.closest('button[data-action]');
    if (!button) return;
    if (button.dataset.action !== 'play') stop();
    actions[button.dataset.action]();
  });
  slider.addEventListener('input', () => {
    stop();
    go(Number(slider.value));
  });
  speed.addEventListener('change', () => {
    if (timer) {
      stop();
      play();
    }
  });
  passPicker.addEventListener('change', () => {
    stop();
    store.set({ passIndex: Number(passPicker.value), position: 0 });
  });

  // Arrow keys step anywhere on the page except where they edit text.
  document.addEventListener('keydown', (event) => {
    const target = event.target;
    const editing =
      target instanceof HTMLTextAreaElement ||
      target instanceof HTMLSelectElement ||
      (target instanceof HTMLInputElement && target.type !== 'range' && target.type !== 'checkbox' && target.type !== 'button');
    if (editing || event.ctrlKey || event.metaKey || event.altKey || !store.get('trace')) return;
    const key = { ArrowRight: 'next', ArrowLeft: 'prev', Home: 'first', End: 'last' }[event.key];
    if (key) {
      event.preventDefault();
      stop();
      actions[key]();
    } else if (event.key === ' ' && !(target instanceof HTMLButtonElement)) {
      event.preventDefault();
      play();
    }
  });

  function render() {
    const count = store.stepCount();
    const position = store.get('position');
    slider.max = String(count);
    slider.value = String(position);
    slider.setAttribute('aria-valuetext', `step ${position} of ${count}`);
    const hasTrace = Boolean(store.get('trace'));
    for (const button of bar.querySelectorAll('button')) button.disabled = !hasTrace || count === 0;
    slider.disabled = !hasTrace || count === 0;
    if (!hasTrace) label.textContent = 'no trace yet';
    else if (count === 0) label.textContent = 'no backward pass';
    else label.textContent = position === 0 ? `start · 0 / ${count}` : `step ${position} / ${count}`;
    bar.dataset.position = String(position);
  }

  function renderPasses() {
    const trace = store.get('trace');
    const passes = (trace && trace.passes) || [];
    passLabel.hidden = passes.length < 2;
    passPicker.replaceChildren(
      ...passes.map((pass, i) => {
        const option = document.createElement('option');
        option.value = String(i);
        const where = pass.span ? ` (${lineText(pass.span.line, pass.span.file)})` : '';
        option.textContent = `${i + 1}: ${pass.kind}${where}`;
        return option;
      }),
    );
    passPicker.value = String(store.get('passIndex'));
  }

  store.on(['trace'], () => {
    stop();
    renderPasses();
  });
  store.on(['trace', 'position', 'passIndex'], render);
  store.on(['passIndex'], () => (passPicker.value = String(store.get('passIndex'))));
  render();
  return { stop };
}
