// Runs before the first paint (a classic script in <head>): the remembered theme and presentation mode,
// without a flash of the light, small-type page. js/shared/theme.js and panels.js own both settings.
(function applySavedLook() {
  var root = document.documentElement;
  try {
    var storage = window.localStorage;
    var theme = storage.getItem('autograd-explorer:theme');
    var present = JSON.parse(storage.getItem('autograd-explorer:presentation') || 'null');
    if (theme === 'contrast') {
      // Before presentation became its own switch it was a theme: keep the lecturer's choice.
      theme = 'light';
      storage.setItem('autograd-explorer:theme', theme);
      present = { on: true, hide: present && Array.isArray(present.hide) ? present.hide : [] };
      storage.setItem('autograd-explorer:presentation', JSON.stringify(present));
    }
    if (theme === 'dark') root.dataset.theme = theme;
    if (present && present.on === true) root.dataset.present = 'on';
  } catch (e) {
    // Storage disabled or unreadable: the light theme, not presenting.
  }
})();
