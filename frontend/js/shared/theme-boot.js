// Runs before the first paint (a classic script in <head>): the remembered theme, without a flash of the light one.
(function applySavedTheme() {
  try {
    var theme = window.localStorage.getItem('autograd-explorer:theme');
    if (theme === 'dark' || theme === 'contrast') document.documentElement.dataset.theme = theme;
  } catch (e) {
    // Storage disabled: the light theme it is.
  }
})();
