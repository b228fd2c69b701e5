// The language reference page: /api/language as tables, with a filter.

import { getJSON } from '../shared/api.js';
import { el } from '../shared/dom.js';
import { errorText } from '../shared/errors.js';
import { counted } from '../shared/format.js';
import { renderNav } from '../shared/nav.js';
import { filterSections, languageSections } from './reference.js';

renderNav(document.getElementById('nav'), 'language');

const $ = (id) => document.getElementById(id);

function sectionView(section) {
  const wrap = el('section');
  wrap.id = section.id;
  wrap.setAttribute('aria-labelledby', `${section.id}-title`);
  const heading = el('h2', `${section.title} (${section.rows.length})`);
  heading.id = `${section.id}-title`;
  wrap.append(heading);
  if (section.rows.every((row) => !row.summary)) {
    const list = el('ul', undefined, section.id === 'statements' ? 'statements' : 'plain');
    list.append(...section.rows.map((row) => el('li', row.code)));
    wrap.append(list);
    return wrap;
  }
  const table = el('table');
  const head = el('tr');
  head.append(el('th', 'Write'), el('th', 'What it does'));
  const thead = el('thead');
  thead.append(head);
  const body = el('tbody');
  for (const row of section.rows) {
    const tr = el('tr');
    const code = el('td');
    code.append(el('code', row.code));
    if (row.also.length) code.append(el('span', ` (${row.also.join(', ')})`, 'muted'));
    tr.append(code, el('td', row.summary, 'summary'));
    body.append(tr);
  }
  table.append(thead, body);
  wrap.append(table);
  return wrap;
}

async function start() {
  let sections = [];
  try {
    sections = languageSections(await getJSON('/api/language'));
  } catch (error) {
    $('language-error').textContent = errorText(error);
    $('language-error').hidden = false;
  }
  const render = () => {
    const shown = filterSections(sections, $('filter').value);
    $('sections').replaceChildren(...shown.map(sectionView));
    const count = shown.reduce((n, s) => n + s.rows.length, 0);
    $('filter-count').textContent = $('filter').value.trim() ? counted(count, 'match', 'matches') : '';
  };
  $('filter').addEventListener('input', render);
  render();
  document.body.dataset.ready = 'true';
}

start();
