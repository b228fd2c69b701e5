"""The notebook widget: anywidget showing the standalone page (the explorer's own modules) in a frame.

The frame keeps the explorer's page styles, element ids and arrow keys to itself (the notebook's
own would clash); its document is the same page `save_html` writes, so nothing loads from a CDN.
"""

from __future__ import annotations

import sys

import anywidget
import traitlets

from autograd_explorer.notebook.recording import IFRAME_HEIGHT

_ESM = f"""
function render({{ model, el }}) {{
  const frame = document.createElement('iframe');
  frame.title = 'Autograd Explorer';
  frame.className = 'autograd-explorer';
  frame.style.cssText = 'width:100%;height:{IFRAME_HEIGHT}px;border:0;';
  // The notebook's dark theme (JupyterLab, VS Code) carries into the page (a dark or high-contrast
  // theme picked in the page itself still wins).
  const body = document.body;
  const dark = body.dataset.jpThemeLight === 'false' || body.classList.contains('vscode-dark');
  const html = '<html lang="en"';
  const themed = (page) => (dark ? page.replace(html, `${{html}} data-theme="dark"`) : page);
  const show = () => {{ frame.srcdoc = themed(model.get('page')); }};
  model.on('change:page', show);
  show();
  el.replaceChildren(frame);
}}
export default {{ render }};
"""


class ExplorerWidget(anywidget.AnyWidget):
    """One recording, drawn and stepped inline."""

    _esm = traitlets.Unicode(_ESM).tag(sync=True)
    page = traitlets.Unicode("").tag(sync=True)


def enable_colab_widgets() -> None:
    """Colab renders third-party widgets only once its custom widget manager is on."""
    if "google.colab" in sys.modules:
        from google.colab import output  # type: ignore[import-not-found]

        output.enable_custom_widget_manager()
