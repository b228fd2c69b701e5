"""The static mount serves the app's own files only: pages, modules, styles, fonts, images."""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from autograd_explorer.api.app import REPO_FRONTEND, create_app
from autograd_explorer.api.explorer_page import with_examples
from autograd_explorer.api.static import PLOTLY_JS
from autograd_explorer.settings import Settings


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The real frontend folder, plus what a checkout may also hold (dotfiles, node_modules)."""
    data = tmp_path_factory.mktemp("static")
    app = create_app(Settings(data_dir=data / "data", frontend_dir=REPO_FRONTEND, eval_isolation="inline"))
    yield TestClient(app)


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    root = tmp_path_factory.mktemp("checkout")
    for name, text in {
        "index.html": "<!doctype html><title>t</title>",
        ".env": "SECRET=1",
        ".git/config": "[core]",
        "node_modules/katex/package.json": "{}",
        "node_modules/katex/katex.mjs": "export default 1;",
        "js/.draft.js": "//",
        "scripts/vendor.sh": "#!/bin/sh",
        "img/logo.png": "png",
    }.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    app = create_app(Settings(data_dir=root / "data", frontend_dir=root, eval_isolation="inline"))
    yield TestClient(app)


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/models.html",
        "/js/models/main.js",
        "/css/base.css",
        "/vendor/katex/katex.mjs",
        "/vendor/katex/katex.min.css",
        "/vendor/katex/fonts/KaTeX_Main-Regular.woff2",
        "/vendor/codemirror/codemirror.js",
        "/language.html",
        "/vendor/plotly.min.js",
        "/vendor/plotly/plotly-cartesian.min.js",
    ],
)
def test_the_apps_files_are_served(site: TestClient, path: str) -> None:
    assert site.get(path).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/package.json",
        "/package-lock.json",
        "/tests/format.test.mjs",
        "/tests/fixtures/trace-poly.json",
        "/vendor/katex/LICENSE",
        "/vendor/VERSIONS.txt",
        "/vendor/axe-core/axe.min.js",
        "/js",
    ],
)
def test_repository_files_are_404(site: TestClient, path: str) -> None:
    assert (REPO_FRONTEND / path.lstrip("/")).exists(), "the test must ask for a file that is there"
    r = site.get(path)
    assert r.status_code == 404
    assert r.json()["detail"] == {
        "type": "not_found",
        "message": f"Nothing is at {path}: see /docs for the API's routes.",
    }


@pytest.mark.parametrize(
    "path",
    [
        "/.env",
        "/.git/config",
        "/node_modules/katex/package.json",
        "/node_modules/katex/katex.mjs",
        "/js/.draft.js",
        "/scripts/vendor.sh",
        "/%2e%2e/data/models.sqlite3",
    ],
)
def test_dotfiles_dependencies_and_scripts_are_404(checkout: TestClient, path: str) -> None:
    assert checkout.get(path).status_code == 404


def test_images_and_the_index_of_a_checkout_are_served(checkout: TestClient) -> None:
    assert checkout.get("/img/logo.png").content == b"png"
    assert checkout.get("/").status_code == 200


def plotly_version(path: Path) -> str:
    # "plotly.js v4.1.1" or "plotly.js (cartesian - minified) v4.1.1"
    banner = path.read_text(encoding="utf-8")[:400]
    match = re.search(r"plotly\.js (?:\([a-z -]+\) )?v(\d+\.\d+\.\d+)", banner)
    assert match, f"no version banner in {path}"
    return match.group(1)


def test_the_cartesian_plotly_build_is_the_python_packages_version() -> None:
    # Pages load the vendored cartesian build; the full bundle comes from the plotly package. One
    # version for both, so a figure the server builds draws the same in either.
    cartesian = REPO_FRONTEND / "vendor" / "plotly" / "plotly-cartesian.min.js"
    assert plotly_version(cartesian) == plotly_version(PLOTLY_JS)


@pytest.fixture
def text_site(tmp_path: Path) -> Iterator[TestClient]:
    """A frontend folder of our own, so a test can edit a file between two downloads."""
    root = tmp_path / "front"
    (root / "js").mkdir(parents=True)
    (root / "js" / "big.js").write_text("export const x = 1;\n" * 500)
    (root / "js" / "tiny.js").write_text("export {};")
    app = create_app(Settings(data_dir=tmp_path / "data", frontend_dir=root, eval_isolation="inline"))
    yield TestClient(app)  # static files need no start-up (no lifespan: no inline trace, jobs, rooms)


def test_a_module_goes_out_gzipped_once_compressed_and_again_when_edited(
    text_site: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    compressions: list[int] = []
    real = gzip.compress

    def counting(data: bytes, *args: object, **kwargs: object) -> bytes:
        compressions.append(len(data))
        return real(data, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(gzip, "compress", counting)
    path = Path(text_site.app.state.settings.frontend_dir) / "js" / "big.js"  # type: ignore[attr-defined]
    first = text_site.get("/js/big.js", headers={"accept-encoding": "gzip"})
    again = text_site.get("/js/big.js", headers={"accept-encoding": "gzip"})
    for r in (first, again):
        assert r.status_code == 200
        assert r.headers["content-encoding"] == "gzip"
        assert r.headers["content-type"].startswith("text/javascript")
        assert r.content == path.read_bytes()  # httpx decodes it
    assert compressions == [path.stat().st_size]  # the second came from memory
    path.write_text("export const y = 2;\n" * 600)
    edited = text_site.get("/js/big.js", headers={"accept-encoding": "gzip"})
    assert edited.content == path.read_bytes()
    assert len(compressions) == 2


def test_without_gzip_small_files_and_conditional_requests_are_served_as_before(
    text_site: TestClient,
) -> None:
    plain = text_site.get("/js/big.js", headers={"accept-encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.headers["content-length"] == str(len(plain.content))
    tiny = text_site.get("/js/tiny.js", headers={"accept-encoding": "gzip"})
    assert "content-encoding" not in tiny.headers  # below gzip_min_bytes
    etag = text_site.get("/js/big.js", headers={"accept-encoding": "gzip"}).headers["etag"]
    assert text_site.get("/js/big.js", headers={"if-none-match": etag}).status_code == 304
    head = text_site.head("/js/big.js", headers={"accept-encoding": "gzip"})
    assert head.status_code == 200
    assert head.content == b""


def test_the_explorer_page_carries_the_examples_menu_before_its_modules(site: TestClient) -> None:
    """index.html as served holds what GET /api/examples answers, in a JSON block ahead of every
    module script (early-trace.js reads it: no request before the opening example's trace)."""
    for path in ("/", "/index.html"):
        html = site.get(path).text
        match = re.search(r'<script type="application/json" id="examples-data">(.*?)</script>', html, re.S)
        assert match, f"{path}: no examples block"
        assert json.loads(match.group(1)) == site.get("/api/examples").json()
        assert match.start() < html.index('<script type="module"')
        assert "<!-- examples-data -->" not in html


def test_an_examples_text_cannot_end_the_block() -> None:
    """A `</script>` (or `<!--`) in an example's text is written with `<` escaped: the block ends
    where the page ends it, and JSON.parse reads the text back unchanged."""
    hostile = [{"id": "x", "explanation": "a </script><script>alert(1)</script> <!-- b"}]
    html = with_examples("<head><!-- examples-data --></head>", hostile)
    block = html.removeprefix('<head><script type="application/json" id="examples-data">')
    body, rest = block.split("</script>", 1)
    assert rest == "</head>" and "<" not in body
    assert json.loads(body) == hostile
    assert with_examples("<head></head>", hostile) == "<head></head>"  # no marker: as it was
