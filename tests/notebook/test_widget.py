"""The inline view's bundle; Colab's custom widget manager turned on there (Colab faked: not runnable here).

What stays untested (docs/notebook.md): the widget inside real Colab and VS Code front ends.
"""

from __future__ import annotations

import sys
import types

import pytest
import torch

import autograd_explorer as ax

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def _recording() -> ax.Recording:
    w = torch.tensor([1.0, -2.0], requires_grad=True)
    with ax.record() as rec:
        loss = (w * w).sum()
        loss.backward()
    return rec


def _fake_colab(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """google.colab with the one call the widget makes, recording that it was made."""
    calls: list[str] = []
    colab = types.ModuleType("google.colab")
    colab.output = types.SimpleNamespace(  # type: ignore[attr-defined]
        enable_custom_widget_manager=lambda: calls.append("enable_custom_widget_manager")
    )
    google = types.ModuleType("google")
    google.colab = colab  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "google", google)
    monkeypatch.setitem(sys.modules, "google.colab", colab)
    return calls


def test_in_colab_the_custom_widget_manager_is_enabled_before_the_widget(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pytest.importorskip("anywidget")
    calls = _fake_colab(monkeypatch)
    bundle = _recording()._repr_mimebundle_()
    assert calls == ["enable_custom_widget_manager"]
    assert WIDGET_VIEW in bundle  # the widget, which Colab draws once its manager is on
    assert bundle["text/html"].startswith("<iframe srcdoc=")
    assert bundle["text/plain"].startswith("<Recording: ")


def test_outside_colab_nothing_of_colab_is_touched(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("anywidget")
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    bundle = _recording()._repr_mimebundle_()
    assert WIDGET_VIEW in bundle and "text/html" in bundle
    assert "google.colab" not in sys.modules


def test_without_anywidget_the_iframe_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _fake_colab(monkeypatch)
    monkeypatch.delitem(sys.modules, "autograd_explorer.notebook.widget", raising=False)
    monkeypatch.setitem(sys.modules, "anywidget", None)  # `import anywidget` raises ImportError
    bundle = _recording()._repr_mimebundle_()
    assert WIDGET_VIEW not in bundle
    assert bundle["text/html"].startswith("<iframe srcdoc=") and "trace-data" in bundle["text/html"]
    assert calls == []  # no widget to show: Colab's manager is left alone
