"""The Models lab in a real browser: train a 2-D and a small MNIST model, draw a digit, the lecture button."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.frontend.page_wait import wait_until
from tests.frontend.test_lab_figures import FIGURE_PARTS, overlap
from tests.live import RUN_TIMEOUT_MS, LiveServer, screenshot

pytestmark = pytest.mark.browser


def draw_seven(pg: object) -> None:
    """A '7' on the 280×280 pad: a top bar, then a stroke down to the lower left."""
    box = pg.locator("#pad").bounding_box()  # type: ignore[attr-defined]
    x, y = box["x"], box["y"]
    mouse = pg.mouse  # type: ignore[attr-defined]
    mouse.move(x + 70, y + 60)
    mouse.down()
    for px, py in [(140, 58), (210, 60), (190, 110), (160, 170), (135, 235)]:
        mouse.move(x + px, y + py, steps=6)
    mouse.up()


def wait_jobs_done(server: LiveServer, ids: list[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while any(
        httpx.get(f"{server.url}/api/models/{i}").json()["status"] in ("queued", "running") for i in ids
    ):
        assert time.monotonic() < deadline
        time.sleep(0.2)


def test_models_lab_trains_compares_and_predicts(live_server: LiveServer, page: object) -> None:
    pg = page
    pg.goto(f"{live_server.url}/models.html")  # type: ignore[attr-defined]
    # The page lists the stored models after its scripts ran: count the rows once it has.
    pg.wait_for_selector("body[data-ready]", timeout=RUN_TIMEOUT_MS)  # type: ignore[attr-defined]
    rows = pg.locator("#compare tbody tr")  # type: ignore[attr-defined]
    before = rows.count()
    # Nothing ticked yet: each plot says what to do, with no axes (Plotly's default −1…4 "%" read as data).
    stored = httpx.get(f"{live_server.url}/api/models").json()["items"]
    hint = "Tick a finished model" if any(m["status"] == "done" for m in stored) else "Train a model"
    for plot in ("#loss-plot", "#accuracy-plot"):
        expect(pg.locator(f"{plot} .annotation-text")).to_contain_text(hint, timeout=RUN_TIMEOUT_MS)  # type: ignore[attr-defined]
        assert pg.locator(f"{plot} .ytick").count() == 0  # type: ignore[attr-defined]

    pg.select_option("#dataset", "moons")  # type: ignore[attr-defined]
    pg.select_option("#model", "binary_classifier")  # type: ignore[attr-defined]
    pg.fill("#lr", "0.5")  # type: ignore[attr-defined]
    pg.fill("#steps", "800")  # type: ignore[attr-defined]
    pg.click("#train")  # type: ignore[attr-defined]
    pg.wait_for_selector("#boundary-panel:not([hidden]) .main-svg", timeout=30_000)  # type: ignore[attr-defined]
    expect(rows).to_have_count(before + 1, timeout=60_000)
    assert "binary_classifier · moons" in rows.last.inner_text()
    # Its curves drawn: the hint gone, the axes back.
    for plot in ("#loss-plot", "#accuracy-plot"):
        expect(pg.locator(f"{plot} .annotation-text")).to_have_count(0)  # type: ignore[attr-defined]
        expect(pg.locator(f"{plot} .ytick").first).to_be_visible()  # type: ignore[attr-defined]

    pg.select_option("#dataset", "mnist_parity")  # type: ignore[attr-defined]
    pg.select_option("#model", "simple_nn")  # type: ignore[attr-defined]
    pg.select_option("#optimizer", "adam")  # type: ignore[attr-defined]
    pg.fill("#lr", "0.01")  # type: ignore[attr-defined]
    pg.fill("#batch", "")  # type: ignore[attr-defined]
    pg.fill("#steps", "150")  # type: ignore[attr-defined]
    pg.fill("#train-size", "3000")  # type: ignore[attr-defined]
    pg.fill("#name", "quick net")  # type: ignore[attr-defined]
    pg.click("#train")  # type: ignore[attr-defined]
    expect(rows).to_have_count(before + 2, timeout=60_000)
    rows.last.click()
    pg.wait_for_selector("#wrong-grid canvas", timeout=20_000)  # type: ignore[attr-defined]
    assert re.match(r"\d+ of 10000 test digits the model gets wrong", pg.inner_text("#wrong-summary"))  # type: ignore[attr-defined]

    draw_seven(pg)
    expect(pg.locator("#verdict")).to_contain_text("P(odd)", timeout=20_000)  # type: ignore[attr-defined]
    verdict = pg.inner_text("#verdict")  # type: ignore[attr-defined]
    assert verdict.startswith("odd"), verdict
    pg.click("#trace")  # type: ignore[attr-defined]
    expect(pg.locator("#graph-panel tbody tr", has_text="SigmoidBackward0")).to_have_count(1, timeout=20_000)  # type: ignore[attr-defined]
    expect(pg.locator("#graph-panel tbody tr", has_text="W1")).to_have_count(1)  # type: ignore[attr-defined]
    screenshot(pg, "models-lab")

    pg.click("#lecture")  # type: ignore[attr-defined]
    expect(pg.locator("#jobs progress")).to_have_count(2, timeout=20_000)  # type: ignore[attr-defined]
    records = httpx.get(f"{live_server.url}/api/models").json()["items"]
    lecture = [r for r in records if r["name"].startswith("Lecture:")][-2:]
    assert [r["config"]["model"] for r in lecture] == ["logistic", "simple_nn"]
    for r in lecture:
        assert {k: r["config"]["optimizer"][k] for k in ("name", "lr", "batch_size")} == {
            "name": "gd",
            "lr": 0.01,
            "batch_size": None,
        }
        assert (r["config"]["steps"], r["config"]["train_size"]) == (1000, 60000)
        # Only whoever created a job holds its token: a stranger may not cancel it.
        assert httpx.post(f"{live_server.url}/api/models/{r['id']}/cancel").status_code == 401

    pg.reload()  # type: ignore[attr-defined]  # the page keeps its jobs' tokens (localStorage)
    for r in lecture:
        cancel = pg.locator(f'#jobs li[data-id="{r["id"]}"] button', has_text="Cancel")  # type: ignore[attr-defined]
        expect(cancel).to_have_count(1, timeout=20_000)
        cancel.click()
    wait_jobs_done(live_server, [r["id"] for r in lecture])
    statuses = [httpx.get(f"{live_server.url}/api/models/{r['id']}").json()["status"] for r in lecture]
    assert statuses == ["cancelled", "cancelled"]
    expect(pg.locator("#jobs progress")).to_have_count(0, timeout=20_000)  # type: ignore[attr-defined]


def test_a_finished_mnist_model_fills_the_misclassified_panel_without_a_reload(
    tmp_path: object, page: object
) -> None:
    """A server of its own, so no earlier MNIST model is shown when the page opens."""
    data = tmp_path / "data"  # type: ignore[operator]
    data.mkdir()
    server = LiveServer(data)
    server.start()
    try:
        pg = page
        pg.goto(f"{server.url}/models.html")  # type: ignore[attr-defined]
        summary = pg.locator("#wrong-summary")  # type: ignore[attr-defined]
        expect(summary).to_have_text(re.compile("Train an MNIST model"), timeout=20_000)
        pg.select_option("#dataset", "mnist_parity")  # type: ignore[attr-defined]
        pg.select_option("#model", "logistic")  # type: ignore[attr-defined]
        pg.fill("#steps", "20")  # type: ignore[attr-defined]
        pg.fill("#train-size", "1000")  # type: ignore[attr-defined]
        pg.click("#train")  # type: ignore[attr-defined]
        wrong = re.compile(r"\d+ of 10000 test digits the model gets wrong")
        expect(summary).to_have_text(wrong, timeout=90_000)
        expect(pg.locator("#wrong-grid canvas").first).to_be_visible()  # type: ignore[attr-defined]
        assert pg.input_value("#wrong-a") != ""  # type: ignore[attr-defined]
    finally:
        page.goto("about:blank")  # type: ignore[attr-defined]  # before its server stops (test_passes.py)
        server.stop()


# Three small MNIST models, trained through the API (a few seconds each on 1,000 images).
SMALL_MNIST = [
    {
        "dataset": "mnist_parity",
        "model": model,
        "train_size": 1000,
        "test_size": 500,
        "steps": 30,
        "seed": seed,
    }
    for model, seed in [("logistic", 0), ("simple_nn", 0), ("simple_nn", 1)]
]


@pytest.fixture(scope="module")
def small_models(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server of its own holding only the three SMALL_MNIST models, finished (the shared one holds
    other tests' models)."""
    data = tmp_path_factory.mktemp("small-models") / "data"
    data.mkdir()
    server = LiveServer(data)
    server.start()
    try:
        ids = [httpx.post(f"{server.url}/api/models", json=c, timeout=30).json()["id"] for c in SMALL_MNIST]
        wait_jobs_done(server, ids, timeout=180)
        assert {httpx.get(f"{server.url}/api/models/{i}").json()["status"] for i in ids} == {"done"}
        yield server
    finally:
        server.stop()


# Whether a figure is framed for the legend Plotly drew in it last (legend-room.js): tests wait for it.
FRAMED_FOR_ITS_LEGEND = (
    "(() => {{ const div = document.querySelector('{figure}');"
    " const drawn = div.querySelector('g.legend rect.bg').getAttribute('height');"
    " return Number(div.dataset.legendPx) === Number(drawn); }})()"
)


FIGURE_STATE = """(div) => ({
  legendPx: div.dataset.legendPx,
  clientHeight: div.clientHeight,
  clientWidth: div.clientWidth,
  styleHeight: div.style.height,
  drawnLegend: div.querySelector('g.legend rect.bg')?.getAttribute('height'),
  drawnWidth: div.querySelector('.main-svg')?.getAttribute('width'),
  drawnHeight: div.querySelector('.main-svg')?.getAttribute('height'),
})"""


def open_with_all_ticked(pg: Any, server: LiveServer) -> None:
    """The lab with the three small models' curves shown, each figure framed for its legend."""
    pg.goto(f"{server.url}/models.html")
    pg.wait_for_selector("body[data-ready]", timeout=RUN_TIMEOUT_MS)
    shown = pg.locator("#compare tbody input[type=checkbox]")
    expect(shown).to_have_count(3, timeout=RUN_TIMEOUT_MS)
    for k in range(3):
        shown.nth(k).check()  # the page shows two by default: the lecture's comparison
    for figure in ("#loss-plot", "#accuracy-plot"):
        # Every model's test and train curves in the legend, the figure framed for it (legend-room.js).
        expect(pg.locator(f"{figure} g.legend g.traces")).to_have_count(6, timeout=RUN_TIMEOUT_MS)
        wait_until(pg, FRAMED_FOR_ITS_LEGEND.format(figure=figure))


def test_two_runs_of_one_name_read_apart_in_the_legend_the_table_and_the_menu(
    small_models: LiveServer, page: object
) -> None:
    """Two SimpleNN runs differing only in their seed are both named "simple_nn · mnist_parity": the
    legend, the table and the draw-a-digit menu showed that name twice. Each says its seed, and a
    curve, its row and its menu entry say the same (labels.js)."""
    pg: Any = page
    pg.set_viewport_size({"width": 1280, "height": 720})
    open_with_all_ticked(pg, small_models)
    screenshot(pg, "models-two-runs-of-one-name-1280")
    rows = pg.locator("#compare td.name").all_text_contents()
    assert len(set(rows)) == 3, rows
    assert sorted(r for r in rows if r.startswith("simple_nn")) == [
        "simple_nn · mnist_parity · seed 0",
        "simple_nn · mnist_parity · seed 1",
    ]
    for figure in ("#loss-plot", "#accuracy-plot"):
        legend = pg.locator(f"{figure} g.legend .legendtext").all_text_contents()
        assert sorted(legend) == sorted(f"{r} · {split}" for r in rows for split in ("test", "train")), legend
    menu = pg.locator("#draw-model option").all_text_contents()
    assert sorted(menu) == sorted(rows), menu


def test_the_tables_caption_wraps_within_a_phone(small_models: LiveServer, page: object) -> None:
    """On a 390×844 phone the caption was the table's, as wide as its ten columns: "Finished models:
    click a row to use…" was cut at the viewport's edge until the table was scrolled sideways. It
    wraps inside the viewport and stays put when the table scrolls."""
    pg: Any = page
    pg.set_viewport_size({"width": 390, "height": 844})
    pg.goto(f"{small_models.url}/models.html")
    pg.wait_for_selector("body[data-ready]", timeout=RUN_TIMEOUT_MS)
    expect(pg.locator("#compare tbody tr")).to_have_count(3, timeout=RUN_TIMEOUT_MS)
    caption = pg.get_by_text("Finished models: click a row to use it below")
    caption.scroll_into_view_if_needed()
    screenshot(pg, "models-table-caption-390")
    wrap = pg.locator("#compare").locator("xpath=..")
    assert pg.evaluate("e => e.scrollWidth > e.clientWidth", wrap.element_handle())  # the table does scroll
    before = caption.bounding_box()
    viewport = pg.evaluate("document.documentElement.clientWidth")
    assert before["x"] >= 0 and before["x"] + before["width"] <= viewport, (before, viewport)
    pg.evaluate("e => { e.scrollLeft = 200; }", wrap.element_handle())
    assert caption.bounding_box()["x"] == before["x"]
    # Still the table's name for a screen reader.
    expect(pg.get_by_role("table", name=re.compile("^Finished models"))).to_have_count(1)


@pytest.mark.parametrize("redrawn", [False, True], ids=["resized", "redrawn-in-the-pause"])
def test_a_figure_grown_for_its_legend_follows_the_window(
    small_models: LiveServer, page: object, redrawn: bool
) -> None:
    """A figure framed for its legend at one width kept that height when the window was resized (a
    phone rotated, a window widened): Plotly redrew the legend in more or fewer rows, the figure did
    not grow or shrink with them. Once the resize pauses the figure is framed again for the legend it
    now shows: six rows on a phone, two (and the figure's first height) back at 1000 px.

    Also when the page draws the figures itself during the pause (a theme switched, curves arriving):
    that drawing is at the new width, so the pause's reframing, for figures whose width changed,
    skips them, and it must not have kept the phone's box height as the figure's base."""
    pg: Any = page
    pg.set_viewport_size({"width": 1000, "height": 720})  # one figure a row: a legend of two rows
    open_with_all_ticked(pg, small_models)
    size = "e => [Number(e.dataset.legendPx), e.clientHeight]"
    wide = {f: pg.eval_on_selector(f, size) for f in ("#loss-plot", "#accuracy-plot")}
    pg.set_viewport_size({"width": 390, "height": 844})
    for figure in ("#loss-plot", "#accuracy-plot"):
        legend_px = wide[figure][0]
        framed = FRAMED_FOR_ITS_LEGEND.format(figure=figure)
        grown = f"Number(document.querySelector('{figure}').dataset.legendPx) > {legend_px}"
        wait_until(pg, f"{grown} && {framed}")
        parts = pg.eval_on_selector(figure, FIGURE_PARTS)
        box = parts["figure"]["bottom"]
        [legend] = parts["legends"]
        assert legend["bottom"] <= box, (figure, legend, box)
    pg.locator("#loss-plot").scroll_into_view_if_needed()
    screenshot(pg, "models-curves-after-resize-to-390")
    pg.set_viewport_size({"width": 1000, "height": 720})
    if redrawn:  # within the page's 200 ms pause: the theme's redraw comes first
        pg.select_option("#theme-toggle", "dark")
    for figure in ("#loss-plot", "#accuracy-plot"):
        legend_px, height = wide[figure]
        framed = FRAMED_FOR_ITS_LEGEND.format(figure=figure)
        try:
            wait_until(
                pg,
                f"(() => {{ const e = document.querySelector('{figure}');"
                f" return Number(e.dataset.legendPx) === {legend_px} && e.clientHeight === {height}; }})()"
                f" && {framed}",
            )
        except AssertionError as timed_out:  # what the figure was left as, for the next reader
            state = pg.eval_on_selector(figure, FIGURE_STATE)
            wanted = f"wanted legendPx {legend_px}, height {height}"
            raise AssertionError(f"{figure}: {wanted}; {state}") from timed_out


def test_the_curves_of_three_finished_models_read_on_a_phone(small_models: LiveServer, page: object) -> None:
    """The curves on a 390×844 phone with data, not only empty: three models are three legend groups
    (six rows) under each plot. The legend was placed as two rows: it ran past the figure's bottom.
    Titles, axis titles, plot and legend each stay clear of the others and inside the figure, the
    plot keeps its height, the figure stays inside its frame's 1 px border (Plotly sized it from the
    border box and covered the right and bottom border), and the page does not scroll sideways."""
    pg: Any = page
    pg.set_viewport_size({"width": 390, "height": 844})
    open_with_all_ticked(pg, small_models)
    for figure in ("#loss-plot", "#accuracy-plot"):
        pg.locator(figure).scroll_into_view_if_needed()
        screenshot(pg, f"models-curves-three-models-390-{figure[1:]}")
        parts = pg.eval_on_selector(figure, FIGURE_PARTS)  # one layout: the figure's box with its parts
        box = [parts["figure"]["top"], parts["figure"]["bottom"]]
        [legend] = parts["legends"]
        [plot] = parts["plotAreas"]
        texts = parts["titles"] + parts["axisTitles"]
        assert {t["name"] for t in texts} >= {"updates"}, texts
        clashes = [
            (a["name"], b["name"])
            for a in [*texts, legend]
            for b in [*texts, legend, plot]
            if a is not b and overlap(a, b)
        ]
        assert clashes == [], f"{figure}: {clashes}"
        assert box[0] <= plot["top"] and legend["bottom"] <= box[1], (figure, box, legend)
        assert plot["bottom"] - plot["top"] >= 140, (figure, plot)
        assert pg.locator(f"{figure} .xtick").count() >= 2 and pg.locator(f"{figure} .ytick").count() >= 2
        inside = pg.eval_on_selector(
            figure,
            "e => { const r = e.getBoundingClientRect();"
            " const s = e.querySelector('svg.main-svg').getBoundingClientRect();"
            " return [r.right - s.right, r.bottom - s.bottom]; }",
        )
        assert min(inside) >= 1, (figure, inside)  # the border's pixel shows, right and bottom
    assert pg.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_a_resize_of_the_height_only_leaves_the_figures_as_drawn(
    small_models: LiveServer, page: object
) -> None:
    """A phone fires resize whenever its toolbar hides on a scroll, at the same width (a full-page
    screenshot fires one too). Every figure was framed again then: a figure grown for its six legend
    rows shrank to its box and grew back, and the page jumped under the student's thumb (and moved
    the accuracy plot 36 px between two measures of a test). The width is what a legend's rows depend
    on: a resize that keeps it leaves each figure's style alone; one that changes it frames again."""
    pg: Any = page
    pg.set_viewport_size({"width": 390, "height": 844})
    open_with_all_ticked(pg, small_models)
    # Every height each figure's style is given from now on: the page may draw a figure again meanwhile
    # (its curves' streams ending), which writes the same height; framing it again wrote '' first.
    watch = (
        "() => { window.restyled = [];"
        " for (const id of ['loss-plot', 'accuracy-plot']) { const e = document.getElementById(id);"
        "  new MutationObserver(() => window.restyled.push([id, e.style.height]))"
        "   .observe(e, {attributes: true, attributeFilter: ['style']}); } }"
    )
    grown = "['loss-plot', 'accuracy-plot'].map((id) => document.getElementById(id).style.height)"
    # Past the page's resize pause (200 ms): a timer set later for longer fires after the page's own.
    past_the_pause = "() => new Promise((done) => setTimeout(() => setTimeout(done, 0), 600))"
    pg.evaluate(watch)
    heights = dict(zip(["loss-plot", "accuracy-plot"], pg.evaluate(grown), strict=True))
    assert all(h.endswith("px") for h in heights.values()), heights  # grown for six legend rows
    for height in (760, 844):  # the toolbar shown, then hidden again
        pg.set_viewport_size({"width": 390, "height": height})
        pg.evaluate(past_the_pause)
    assert [(i, h) for i, h in pg.evaluate("window.restyled") if h != heights[i]] == []
    assert dict(zip(heights, pg.evaluate(grown), strict=True)) == heights
    pg.set_viewport_size({"width": 1000, "height": 844})  # rotated: the legends need fewer rows
    pg.evaluate(past_the_pause)
    changed = "window.restyled.some(([i, h]) => i === '{0}' && h !== '{1}')"
    wait_until(pg, " && ".join(changed.format(i, h) for i, h in heights.items()))
    for figure in ("#loss-plot", "#accuracy-plot"):
        wait_until(pg, FRAMED_FOR_ITS_LEGEND.format(figure=figure))


def test_a_long_model_name_is_cut_in_the_legend_and_its_menus_stay_in_their_panel(
    tmp_path: Any, page: object
) -> None:
    """On a 390 px phone a long name ran past the legend's edge with its "· train" / "· test" (which
    curve was which could not be read) and widened the draw-a-digit menu past its panel. The legend
    now cuts the name in the middle, keeping its end, and the hover says it whole."""
    name = "my very long experiment name for the lecture demo"
    data = tmp_path / "data"
    data.mkdir()
    server = LiveServer(data)
    server.start()
    pg: Any = page
    try:
        config = {**SMALL_MNIST[0], "steps": 5, "name": name}
        wait_jobs_done(server, [httpx.post(f"{server.url}/api/models", json=config, timeout=30).json()["id"]])
        pg.set_viewport_size({"width": 390, "height": 844})
        pg.goto(f"{server.url}/models.html")
        pg.wait_for_selector("body[data-ready]", timeout=RUN_TIMEOUT_MS)
        shown = pg.locator("#compare tbody input[type=checkbox]")
        expect(shown).to_have_count(1, timeout=RUN_TIMEOUT_MS)
        shown.first.check()
        for figure in ("#loss-plot", "#accuracy-plot"):
            entries = pg.locator(f"{figure} g.legend .legendtext")
            expect(entries).to_have_count(2, timeout=RUN_TIMEOUT_MS)
            texts = sorted(entries.all_text_contents())
            assert sorted(t.rsplit(" · ", 1)[1] for t in texts) == ["test", "train"], texts
            assert len({t.rsplit(" · ", 1)[0] for t in texts}) == 1, texts  # cut alike
            assert all("…" in t and t.startswith("my very") and name not in t for t in texts), texts
            right = pg.eval_on_selector(figure, "e => e.getBoundingClientRect().right")
            for k in range(2):
                box = entries.nth(k).bounding_box()
                assert box is not None and box["x"] + box["width"] <= right, (figure, box, right)
            metas = pg.eval_on_selector(figure, "e => e.data.map((t) => t.meta)")
            assert sorted(metas) == [f"{name} · test", f"{name} · train"]
        # The table's name cell: the whole name in a few lines, not one word a line (5 lines at 390 px).
        cell = pg.locator("#compare tbody td.name").first
        expect(cell).to_have_text(name)
        text_height = (
            "e => { const r = document.createRange(); r.selectNodeContents(e);"
            " return r.getBoundingClientRect().height; }"
        )
        height = cell.evaluate(text_height)
        line = pg.locator("#compare tbody td.text").first.evaluate(text_height)  # "MNIST": one line
        assert height <= 3.5 * line, (height, line)
        pg.locator("#draw-model").scroll_into_view_if_needed()
        screenshot(pg, "models-long-name-390")
        panel = pg.locator("#draw-panel").bounding_box()
        menu = pg.locator("#draw-model").bounding_box()
        assert panel is not None and menu is not None
        assert menu["x"] + menu["width"] <= panel["x"] + panel["width"], (menu, panel)
        assert pg.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    finally:
        pg.goto("about:blank")  # before its server stops (test_passes.py)
        server.stop()
