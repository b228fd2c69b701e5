// The comparison table of finished models: one row each, the best test accuracy marked.

import { el } from '../shared/dom.js';
import { describeConfig } from './config.js';

const pct = (x) => (typeof x === 'number' ? `${(100 * x).toFixed(2)} %` : String(x ?? '–'));

const cell = (text, className) => el('td', text, className);

/**
 * Rows of the finished (done) models, named by `labels` (id → label: labels.js, as the legend names
 * them); `shown` ids get a ticked box, `selected` is highlighted.
 */
export function renderTable(tbody, models, { shown, selected, labels = new Map(), onToggle, onSelect }) {
  const done = models.filter((m) => m.status === 'done' && m.metrics);
  const best = Math.max(...done.map((m) => m.metrics.test_accuracy), -1);
  tbody.replaceChildren(...done.map((m) => {
    const label = labels.get(m.id) ?? m.name;
    const tr = document.createElement('tr');
    tr.dataset.id = m.id;
    if (m.id === selected) tr.className = 'selected';
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.checked = shown.has(m.id);
    box.setAttribute('aria-label', `show curves of ${label}`);
    box.addEventListener('click', (event) => { event.stopPropagation(); onToggle(m.id, box.checked); });
    const first = document.createElement('td');
    first.append(box);
    const { data, optimizer } = describeConfig(m.config);
    const acc = cell(pct(m.metrics.test_accuracy), m.metrics.test_accuracy === best ? 'best' : '');
    tr.append(
      first, cell(label, 'name'), cell(data, 'text'), cell(optimizer, 'text'), cell(String(m.config?.steps ?? '?')),
      cell(String(m.config?.train_size ?? '?')), cell(pct(m.metrics.train_accuracy)), acc,
      cell(Number(m.metrics.test_loss).toFixed(4)), cell(`${Number(m.metrics.seconds).toFixed(1)} s`),
    );
    tr.tabIndex = 0;
    tr.addEventListener('click', () => onSelect(m.id));
    tr.addEventListener('keydown', (event) => { if (event.key === 'Enter') onSelect(m.id); });
    return tr;
  }));
}
