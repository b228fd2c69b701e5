"""A finished recording: its payload, as JSON, as a standalone page, and shown inline in notebooks."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from autograd_explorer.jsonsafe import dumps
from autograd_explorer.trace.payload import TraceResponse

if TYPE_CHECKING:
    from autograd_explorer.notebook.shaping import Finished

IFRAME_HEIGHT = 640


class Recording:
    """What `record()` or `explore()` saw. Empty until the `with` block ends.

    The payloads are shaped on first use (display, `to_dict`, `save_html`), then kept: recording
    costs only the watching, and the state they show was frozen when the block ended.
    """

    def __init__(self, finished: Finished | None = None) -> None:
        self.finished = finished
        self._readable: str | None = None
        self._page: str | None = None

    def _done(self) -> Finished:
        if self.finished is None:
            raise RuntimeError("the recording is not finished: use it after the `with record()` block")
        return self.finished

    def to_json(self) -> str:
        """The payload as JSON text, written as the API writes it (non-finite numbers as strings)."""
        if self._readable is None:
            self._readable = dumps(self._done().readable()).decode()
        return self._readable

    def to_dict(self) -> TraceResponse:
        """The payload POST /api/trace answers (readable form; nodes may carry a `module` path)."""
        loaded: TraceResponse = json.loads(self.to_json())
        return loaded

    def page_json(self) -> str:
        """What the page shows: the compact trace with every step's details, as JSON text.

        A quarter to a half of the readable form's size (values once, in a float32 buffer), and the
        page decodes it as it decodes the web trace's compact answers.
        """
        if self._page is None:
            self._page = dumps(self._done().page()).decode()
        return self._page

    def html(self, title: str = "Autograd Explorer") -> str:
        """The standalone page: the explorer's own modules and this payload, nothing from the network."""
        from autograd_explorer.notebook.page import standalone_page

        return standalone_page(self.page_json(), title)

    def save_html(self, path: str | Path, title: str = "Autograd Explorer") -> Path:
        """Write the standalone page (opens offline, shareable as one file)."""
        target = Path(path)
        target.write_text(self.html(title), encoding="utf-8")
        return target

    def widget(self) -> Any:
        """The anywidget that shows this recording inline (JupyterLab, Notebook, VS Code, Colab)."""
        from autograd_explorer.notebook.widget import ExplorerWidget

        return ExplorerWidget(page=self.html())

    def _repr_html_(self) -> str:
        # Front ends without widget support still render this: the same page in a sandbox-free iframe.
        page = html.escape(self.html(), quote=True)
        return (
            f'<iframe srcdoc="{page}" style="width:100%;height:{IFRAME_HEIGHT}px;border:0" '
            'title="Autograd Explorer"></iframe>'
        )

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        """The widget's view where widgets work, the iframe (text/html) and a text line otherwise."""
        bundle: dict[str, Any] = {}
        try:
            from autograd_explorer.notebook.widget import enable_colab_widgets

            enable_colab_widgets()
            widget_bundle = self.widget()._repr_mimebundle_(include=include, exclude=exclude)
        except ImportError:  # anywidget missing (a bare install without it): the iframe alone
            widget_bundle = None
        if isinstance(widget_bundle, tuple):
            widget_bundle = widget_bundle[0]
        if widget_bundle:
            bundle.update(widget_bundle)
        bundle["text/plain"] = repr(self)
        bundle["text/html"] = self._repr_html_()
        return bundle

    def __repr__(self) -> str:
        if self.finished is None:
            return "<Recording (not finished)>"
        facts, _ = self.finished.facts()  # the graph indexed, not shaped
        shown = facts.pass_by_index(None)
        return (
            f"<Recording: {max(len(facts.nodes), 1)} nodes, {facts.rec.pass_count} backward passes, "
            f"{shown.step_count if shown else 0} steps>"
        )
