// The tools at the end of every page's top bar: the language reference, the theme, presentation mode,
// keyboard help.

import { mountHelp } from './help.js';
import { mountPresentToggle } from './panels.js';
import { mountThemeToggle } from './theme.js';

function mount() {
  const header = document.querySelector('header.topbar');
  if (!header || header.querySelector('.page-tools')) return;
  const tools = document.createElement('div');
  tools.className = 'page-tools';
  const reference = document.createElement('a');
  reference.href = '/language.html';
  reference.textContent = 'Language';
  reference.className = 'reference-link';
  if (window.location.pathname === '/language.html') reference.setAttribute('aria-current', 'page');
  tools.append(reference);
  const follow = header.querySelector('.follow-tools'); // follow mode's Room button (follow.js)
  if (follow) tools.append(follow);
  mountThemeToggle(tools);
  mountPresentToggle(tools);
  mountHelp(tools);
  header.append(tools);
}

// After the page's own module has drawn the navigation into the header (it replaces the header's children).
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', mount);
else mount();
