"""Follow mode in two real chromium pages: a lecturer drives a room, a student's page follows."""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import torch
from playwright.sync_api import expect

from tests.frontend.editor_page import set_editor_text, show_editor
from tests.frontend.page_wait import wait_until
from tests.frontend.test_lab_figures import Box, overlap
from tests.live import RUN_TIMEOUT_MS, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def student(browser: Any) -> Iterator[Any]:
    """A second person's page: its own context, so its own sessionStorage."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    yield pg
    context.close()
    assert not errors, errors


def start_room(page: Any, live_server: Any) -> str:
    page.goto(f"{live_server.url}/#ex=least-squares")
    page.wait_for_selector("body[data-ready]", timeout=RUN_TIMEOUT_MS)
    page.click(".follow-tools .room-toggle")
    page.click(".room-menu >> text=Start a room")
    code = page.locator(".room-overlay .room-code").text_content() or ""
    code = code.replace(" ", "")
    assert len(code) == 6
    screenshot(page, "follow-01-room-code")
    page.click(".room-overlay >> text=Hide code")
    expect(page.locator(".room-bar .room-badge")).to_have_text(f"Room {code}")
    return code


def test_a_student_follows_the_lecturers_steps_leaves_and_rejoins(
    page: Any, student: Any, live_server: Any
) -> None:
    code = start_room(page, live_server)
    student.goto(f"{live_server.url}/#room={code.lower()}")
    student.wait_for_selector("body[data-ready]", timeout=RUN_TIMEOUT_MS)
    expect(student.locator(".follow-tools")).to_have_attribute("data-mode", "following")
    # the student's page runs the lecturer's program itself: a round trip to the server
    expect(student.locator("#step-label")).to_have_text("start · 0 / 5", timeout=RUN_TIMEOUT_MS)
    for expected in ("step 1 / 5", "step 2 / 5", "step 3 / 5"):
        page.keyboard.press("ArrowRight")
        expect(page.locator("#step-label")).to_have_text(expected)
        expect(student.locator("#step-label")).to_have_text(expected)
    assert student.text_content(".step-panel h2") == page.text_content(".step-panel h2")
    screenshot(student, "follow-02-student-step3")
    # The lecturer switches view and program: the student's page runs the same.
    page.click(".view-tabs [data-view='jacobians']")
    expect(student.locator("#explorer")).to_have_attribute("data-view", "jacobians")
    page.click(".view-tabs [data-view='graph']")
    show_editor(page)  # the examples menu is in the program panel, on its rail below 1880 px
    page.select_option("#examples", "polynomial")
    # the lecturer's run, then the student's own of the program it was sent
    expect(student.locator("#step-label")).to_have_text("start · 0 / 4", timeout=RUN_TIMEOUT_MS)
    # Leave: the student explores alone while the lecturer goes on.
    student.click(".room-bar >> text=Leave")
    expect(student.locator(".follow-tools")).to_have_attribute("data-mode", "left")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    expect(page.locator("#step-label")).to_have_text("step 2 / 4")
    student.wait_for_timeout(600)  # would have arrived by now (debounce 120 ms)
    expect(student.locator("#step-label")).to_have_text("start · 0 / 4")
    # Rejoin jumps to the lecturer's current state.
    student.click(".room-bar >> text=Rejoin")
    expect(student.locator("#step-label")).to_have_text("step 2 / 4")
    expect(student.locator(".follow-tools")).to_have_attribute("data-mode", "following")


# Drawn without a seed: the server runs it as after torch.manual_seed(0) (lang/run.py).
UNSEEDED = "x = torch.randn(3, requires_grad=True)\ny = (x * x).sum()\ny.backward()\nprint(x)\nprint(x.grad)"


def test_a_student_sees_the_lecturers_random_numbers_from_the_lecturers_run(
    page: Any, student: Any, live_server: Any
) -> None:
    """The student's page asks for the program the lecturer ran, on its own request: the server answers
    it with the lecturer's run (api/answer_cache.py), and the numbers are CPython's after
    torch.manual_seed(0), whichever server process runs it."""
    page.set_viewport_size({"width": 1280, "height": 720})  # a projector, as the student's
    code = start_room(page, live_server)
    student.goto(f"{live_server.url}/#room={code}")
    expect(student.locator("#step-label")).to_have_text("start · 0 / 5", timeout=RUN_TIMEOUT_MS)
    show_editor(page)
    set_editor_text(page, f"{UNSEEDED}\n# room {code}\n")  # a program no earlier test asked for
    runs = int(page.get_attribute("body", "data-runs") or 0)
    page.click("#run")
    expect(page.locator("body")).to_have_attribute("data-runs", str(runs + 1), timeout=RUN_TIMEOUT_MS)
    torch.manual_seed(0)
    x = torch.randn(3, requires_grad=True)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        print(x)
        print(2 * x.detach())
    expect(student.locator("#printed")).to_have_text(out.getvalue().rstrip("\n"), timeout=RUN_TIMEOUT_MS)
    assert page.text_content("#printed") == student.text_content("#printed")
    traced = re.compile(r"traced in \d+ ms")
    lecturer, follower = (traced.search(p.text_content("#run-status") or "") for p in (page, student))
    assert lecturer and follower and lecturer.group() == follower.group()  # one run, kept: its trace_ms
    # The room's bar covers nothing either reads or presses (fixed at the bottom right, it hid the
    # lecturer's ▶| and the slider's start, and the student's inspector).
    for who, pg in (("lecturer", page), ("student", student)):
        assert_bar_covers_nothing(pg, who)
    screenshot(page, "follow-05-lecturer-unseeded-1280x720")
    screenshot(student, "follow-06-student-unseeded-1280x720")


def edges(pg: Any, selector: str) -> Box | None:
    """An element's box as overlap() reads it (None: not laid out, a panel folded to its rail)."""
    b = pg.locator(selector).bounding_box()
    if b is None:
        return None
    return {"left": b["x"], "right": b["x"] + b["width"], "top": b["y"], "bottom": b["y"] + b["height"]}


def assert_bar_covers_nothing(pg: Any, who: str) -> None:
    bar = edges(pg, ".room-bar")
    assert bar is not None
    for selector in ("#step-controls", "#step-label", "#step-panel", "#inspector", "#printed", "#graph"):
        box = edges(pg, selector)
        assert box is None or not overlap(bar, box), (who, selector, bar, box)


def test_a_student_who_types_the_code_is_taken_to_the_lecturers_page(
    page: Any, student: Any, live_server: Any
) -> None:
    code = start_room(page, live_server)
    student.goto(f"{live_server.url}/#ex=polynomial")
    student.wait_for_selector("body[data-ready]", timeout=RUN_TIMEOUT_MS)
    student.click(".follow-tools .room-toggle")
    student.fill(".follow-tools input[name='room']", f"{code[:3].lower()} {code[3:]}")
    student.press(".follow-tools input[name='room']", "Enter")
    # least squares, from the room: the student's page runs it
    expect(student.locator("#step-label")).to_have_text("start · 0 / 5", timeout=RUN_TIMEOUT_MS)
    # The lecturer moves to the models lab (same tab, same room): the student follows there.
    page.click("nav >> text=Models lab")
    page.wait_for_url(lambda url: "/models.html" in url)
    student.wait_for_url(lambda url: "/models.html" in url, timeout=15_000)
    expect(student.locator(".follow-tools")).to_have_attribute("data-mode", "following")
    screenshot(student, "follow-03-student-models")


def test_an_unknown_code_is_named(student: Any, live_server: Any) -> None:
    student.goto(f"{live_server.url}/#ex=polynomial")
    student.wait_for_selector("body[data-ready]", timeout=RUN_TIMEOUT_MS)
    student.click(".follow-tools .room-toggle")
    student.fill(".follow-tools input[name='room']", "222222")
    student.press(".follow-tools input[name='room']", "Enter")
    expect(student.locator(".room-bar .room-message")).to_contain_text("No room 222222")
    student.click(".follow-tools .room-toggle")
    student.fill(".follow-tools input[name='room']", "0OIL")
    student.press(".follow-tools input[name='room']", "Enter")
    expect(student.locator(".room-bar .room-message")).to_contain_text("six letters and digits")


def test_the_room_control_in_the_dark_theme(page: Any, live_server: Any) -> None:
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{live_server.url}/#ex=polynomial")
    page.wait_for_selector("body[data-ready]", timeout=RUN_TIMEOUT_MS)
    page.evaluate("document.documentElement.dataset.theme = 'dark'")
    page.click(".follow-tools .room-toggle")
    expect(page.locator(".room-menu button", has_text="Start a room")).to_be_visible()
    # The whole top bar fits a 1280-px projector: nothing pushed past the right edge.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1280
    help_box = page.locator(".page-tools > :last-child").bounding_box()
    assert help_box is not None and help_box["x"] + help_box["width"] <= 1280
    screenshot(page, "follow-04-dark-topbar")


def test_a_student_follows_the_lecturer_into_the_optimization_lab(
    page: Any, student: Any, live_server: Any
) -> None:
    code = start_room(page, live_server)
    student.goto(f"{live_server.url}/#room={code}")
    student.wait_for_selector("body[data-ready]", timeout=RUN_TIMEOUT_MS)
    page.click("nav >> text=Optimization lab")
    page.wait_for_selector("body[data-ready]", timeout=RUN_TIMEOUT_MS)
    page.select_option("#example", "rosenbrock-adam-gd")
    wait_until(page, "document.querySelectorAll('#runs li').length === 2")
    student.wait_for_url(lambda url: "/optimize.html" in url, timeout=15_000)
    student.wait_for_selector("body[data-ready]", timeout=RUN_TIMEOUT_MS)
    wait_until(student, "document.querySelectorAll('#runs li').length === 2")
    assert student.locator("#runs").inner_text() == page.locator("#runs").inner_text()
    assert "adam lr=0.05" in student.locator("#runs").inner_text()
    assert student.input_value("#fn") == "rosenbrock"


def test_end_room_closes_it_for_every_follower(page: Any, student: Any, live_server: Any) -> None:
    code = start_room(page, live_server)
    student.goto(f"{live_server.url}/#room={code}")
    student.wait_for_selector("body[data-ready]", timeout=RUN_TIMEOUT_MS)
    expect(student.locator(".follow-tools")).to_have_attribute("data-mode", "following")
    page.click(".room-bar >> text=End room")
    expect(page.locator(".room-bar .room-message")).to_contain_text(f"Room {code} ended")
    expect(page.locator(".follow-tools")).to_have_attribute("data-mode", "none")
    # The student's stream got `ended`: the page says so and follows no more.
    expect(student.locator(".room-bar .room-message")).to_contain_text("The lecture has ended")
    expect(student.locator(".follow-tools")).to_have_attribute("data-mode", "none")
    screenshot(student, "follow-05-lecture-ended")
    assert student.evaluate("sessionStorage.getItem('autograd-explorer:room')") is None
    # The server closed it: the code no longer opens a room.
    assert page.request.get(f"{live_server.url}/api/rooms/{code}").status == 404


def test_a_late_answer_of_an_older_state_does_not_replace_the_newer_one(
    page: Any, student: Any, live_server: Any
) -> None:
    """A page opening in a room asks for the state and listens at once: whichever arrives last,
    the newest version is what it shows (the GET's answer once landed after the stream's newer
    event and left the student on the lecturer's previous state)."""
    code = start_room(page, live_server)
    page.keyboard.press("ArrowRight")
    expect(page.locator("#step-label")).to_have_text("step 1 / 5")
    room_url = f"{live_server.url}/api/rooms/{code}"
    wait_until(page, "Number(document.body.dataset.roomVersion || 0) >= 2")  # start, then step 1
    older = httpx.get(room_url, timeout=10).json()  # the lecturer's state at step 1
    page.keyboard.press("ArrowRight")
    expect(page.locator("#step-label")).to_have_text("step 2 / 5")
    wait_until(page, "Number(document.body.dataset.roomVersion || 0) >= 3")
    newest = httpx.get(room_url, timeout=10).json()
    assert newest["version"] > older["version"]
    held: list[Any] = []  # the student's GET of the room, answered by the test after the stream's event
    student.route(room_url, lambda route: held.append(route))
    student.goto(f"{live_server.url}/#room={code}")
    student.wait_for_selector("body[data-ready]", timeout=RUN_TIMEOUT_MS)
    expect(student.locator("body")).to_have_attribute(
        "data-followed", str(newest["version"]), timeout=RUN_TIMEOUT_MS
    )
    expect(student.locator("#step-label")).to_have_text("step 2 / 5")
    assert len(held) == 1
    held[0].fulfill(json=older)  # the GET's answer lands last, and is older
    student.wait_for_timeout(500)  # nothing to wait for: the older state must not be shown
    assert student.get_attribute("body", "data-followed") == str(newest["version"])
    assert student.text_content("#step-label") == "step 2 / 5"


def test_a_phone_follows_a_presenting_lecturer(page: Any, browser: Any, live_server: Any) -> None:
    """Issue 13's last line: the lecturer presents at 1280×720, a student follows on a phone."""
    page.set_viewport_size({"width": 1280, "height": 720})
    code = start_room(page, live_server)
    page.click("#present-toggle")
    expect(page.locator("#present-toggle")).to_have_attribute("aria-pressed", "true")
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    phone = context.new_page()
    errors: list[str] = []
    phone.on("pageerror", lambda e: errors.append(str(e)))
    try:
        phone.goto(f"{live_server.url}/#room={code.lower()}")
        phone.wait_for_selector("body[data-ready]", timeout=RUN_TIMEOUT_MS)
        expect(phone.locator("#step-label")).to_have_text("start · 0 / 5", timeout=RUN_TIMEOUT_MS)
        for expected in ("step 1 / 5", "step 2 / 5"):
            page.keyboard.press("ArrowRight")
            expect(phone.locator("#step-label")).to_have_text(expected)
        # The step's node is on the phone's screen, at a size read at arm's length, and nothing
        # runs off the side of the page.
        expect(phone.locator("#graph")).to_have_attribute("data-current-in-view", "true")
        assert float(phone.get_attribute("#graph", "data-label-px") or 0) >= 11
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        assert phone.text_content(".step-panel h2") == page.text_content(".step-panel h2")
        # The room's bar stays clear of the step label (at the bottom right it covered "step 2 / 5").
        bar, label = phone.locator(".room-bar").bounding_box(), phone.locator("#step-label").bounding_box()
        assert bar is not None and label is not None
        apart = bar["y"] + bar["height"] <= label["y"] or label["y"] + label["height"] <= bar["y"]
        assert apart, (bar, label)
        screenshot(phone, "follow-phone-step2-390x844")
    finally:
        page.click("#present-toggle")  # the stored setting must not reach other tests' pages
        context.close()
    assert not errors, errors


@pytest.mark.parametrize(
    ("nav", "path", "fill", "submit", "shown"),
    [
        ("Regression", "/regression.html", {"#degree": "3"}, "#fit", "#coefficients"),
        ("Pitfall: accumulation", "/pitfall.html", {"#lr": "0.05", "#steps": "6"}, "#run", "#without"),
    ],
)
def test_a_student_follows_the_lecturer_into_the_regression_and_pitfall_pages(
    page: Any,
    student: Any,
    live_server: Any,
    nav: str,
    path: str,
    fill: dict[str, str],
    submit: str,
    shown: str,
) -> None:
    # Both pages had no room: a lecturer who went there left the class on the previous page.
    code = start_room(page, live_server)
    student.goto(f"{live_server.url}/#room={code}")
    student.wait_for_selector("body[data-ready]", timeout=RUN_TIMEOUT_MS)
    page.click(f"nav >> text={nav}")
    page.wait_for_selector("body[data-ready]", timeout=RUN_TIMEOUT_MS)
    expect(page.locator(".room-bar .room-badge")).to_have_text(f"Room {code}")
    opened = page.locator(shown).inner_text()
    for selector, value in fill.items():
        page.fill(selector, value)
    page.click(submit)
    expect(page.locator(shown)).not_to_have_text(opened, timeout=RUN_TIMEOUT_MS)
    student.wait_for_url(lambda url: path in url, timeout=15_000)
    student.wait_for_selector("body[data-ready]", timeout=RUN_TIMEOUT_MS)
    for selector, value in fill.items():
        expect(student.locator(selector)).to_have_value(value, timeout=RUN_TIMEOUT_MS)
    expect(student.locator(shown)).to_have_text(
        page.locator(shown).text_content() or "", timeout=RUN_TIMEOUT_MS
    )
