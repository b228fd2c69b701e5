// The top bar shared by every page: title and links between the labs.

export const PAGES = [
  { href: '/', id: 'explorer', title: 'Graph explorer' },
  { href: '/optimize.html', id: 'optimize', title: 'Optimization lab' },
  { href: '/regression.html', id: 'regression', title: 'Regression' },
  { href: '/pitfall.html', id: 'pitfall', title: 'Pitfall: accumulation' },
  { href: '/models.html', id: 'models', title: 'Models lab' },
];

/** Render the navigation into `container`, marking the page whose id is `current`. */
export function renderNav(container, current) {
  const brand = document.createElement('a');
  brand.className = 'brand';
  brand.href = '/';
  brand.textContent = 'Autograd Explorer';
  const list = document.createElement('nav');
  list.setAttribute('aria-label', 'Pages');
  for (const page of PAGES) {
    const link = document.createElement('a');
    link.href = page.href;
    link.textContent = page.title;
    if (page.id === current) link.setAttribute('aria-current', 'page');
    list.append(link);
  }
  container.replaceChildren(brand, list);
}
