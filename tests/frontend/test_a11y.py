"""Every page, in both themes with presentation mode off and on, passes axe-core with no serious or
critical violations (1280×720)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import REPO
from tests.live import RUN_TIMEOUT_MS

pytestmark = pytest.mark.browser

# Vendored for the tests only (scripts/vendor-frontend.sh); the server does not serve it.
AXE = REPO / "frontend" / "vendor" / "axe-core" / "axe.min.js"
PAGES = ["/", "/optimize.html", "/regression.html", "/pitfall.html", "/models.html", "/language.html"]
LOOKS = ["light", "dark", "light+present", "dark+present"]  # theme, and presentation mode (high contrast)


def serious_violations(page: Any) -> list[str]:
    """axe's serious and critical findings, one line per rule with the first offending elements."""
    found = page.evaluate(
        "async () => (await axe.run(document, { resultTypes: ['violations'] })).violations"
        ".filter((v) => v.impact === 'serious' || v.impact === 'critical')"
        ".map((v) => `${v.id} (${v.impact}): ${v.help} at `"
        " + v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('; '))"
    )
    return [str(line) for line in found]


@pytest.mark.parametrize("look", LOOKS)
def test_every_page_passes_axe(browser: Any, live_server: Any, look: str) -> None:
    theme, _, present = look.partition("+")
    # bypass_csp: the page's CSP (rightly) refuses the script axe is injected as.
    context = browser.new_context(viewport={"width": 1280, "height": 720}, bypass_csp=True)
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/language.html")
        page.evaluate(
            "([theme, on]) => { localStorage.setItem('autograd-explorer:theme', theme);"
            " localStorage.setItem('autograd-explorer:presentation', JSON.stringify({ on, hide: [] })); }",
            [theme, bool(present)],
        )
        report: dict[str, list[str]] = {}
        for path in PAGES:
            page.goto(f"{live_server.url}{path}")
            page.wait_for_load_state("load")
            page.wait_for_selector(".page-tools #theme-toggle", timeout=20_000)
            page.wait_for_selector("body[data-ready]", timeout=RUN_TIMEOUT_MS)  # every page says so
            assert (page.get_attribute("html", "data-theme") or "light") == theme
            assert page.get_attribute("html", "data-present") == ("on" if present else None)
            page.add_script_tag(path=str(AXE))
            problems = serious_violations(page)
            if problems:
                report[path] = problems
        assert not report, "\n".join(f"{path}:\n  " + "\n  ".join(lines) for path, lines in report.items())
    finally:
        context.close()
