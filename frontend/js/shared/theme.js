// Light and dark themes: CSS custom properties switched by <html data-theme>, remembered in
// localStorage. Presentation (large type, high contrast) is not a theme but one switch of its own that
// works in either (js/shared/panels.js). Scripts that draw colours read them through js/shared/palette.js.

export const THEME_KEY = 'autograd-explorer:theme';
export const THEMES = [
  { id: 'light', label: 'Light' },
  { id: 'dark', label: 'Dark' },
];

/** A known theme id, else 'light'. */
export function normalizeTheme(id) {
  return THEMES.some((t) => t.id === id) ? id : 'light';
}

/** The remembered theme; 'light' when nothing (or nothing readable) is stored. */
export function savedTheme(storage) {
  try {
    return normalizeTheme(storage.getItem(THEME_KEY));
  } catch {
    return 'light';
  }
}

/** Remember `id`; a disabled storage only forgets it on reload. */
export function saveTheme(storage, id) {
  try {
    storage.setItem(THEME_KEY, normalizeTheme(id));
  } catch {
    /* nothing to keep it in */
  }
}

/** The theme the page shows now. */
export function currentTheme() {
  return normalizeTheme(document.documentElement.dataset.theme);
}

/** Show `id`, remember it, and tell scripts that draw with colours (event 'themechange' on document). */
export function applyTheme(id, storage = window.localStorage) {
  const theme = normalizeTheme(id);
  if (theme === 'light') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
  saveTheme(storage, theme);
  document.dispatchEvent(new CustomEvent('themechange', { detail: { theme } }));
}

/** The value of CSS custom property `--name` in the current theme (for canvas and plot colours). */
export function themeColor(name, fallback = '') {
  const value = getComputedStyle(document.documentElement).getPropertyValue(`--${name}`).trim();
  return value || fallback;
}

/** A select in `container` that switches the theme (a select names every choice; a button cycles blind). */
export function mountThemeToggle(container) {
  const label = document.createElement('label');
  label.className = 'sr-only';
  label.htmlFor = 'theme-toggle';
  label.textContent = 'Theme';
  const select = document.createElement('select');
  select.id = 'theme-toggle';
  select.title = 'Theme: light or dark (presentation mode is the Present switch)';
  for (const theme of THEMES) {
    const option = document.createElement('option');
    option.value = theme.id;
    option.textContent = theme.label;
    select.append(option);
  }
  select.value = currentTheme();
  select.addEventListener('change', () => applyTheme(select.value));
  container.append(label, select);
  return select;
}
