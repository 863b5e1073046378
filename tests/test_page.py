"""The page of `digits serve` in a real headless Chromium, against the real server and the pipeline's model."""

import socket
import threading
import time

import pytest

from tests.conftest import ROOT

MODEL = ROOT / "models/model.tflite"
SEVEN = [(0.25, 0.22), (0.5, 0.22), (0.75, 0.22), (0.62, 0.5), (0.5, 0.82)]  # a bar, then down to the left
ONE = [(0.5, 0.15), (0.5, 0.5), (0.5, 0.85)]


@pytest.fixture(scope="module")
def server():
    """`digits serve`'s app under uvicorn on a free local port, with the model `dvc repro` made."""
    if not MODEL.exists():
        pytest.skip(f"the page tests read with the trained model: run `dvc repro` first ({MODEL} is missing)")
    import uvicorn

    from digits.server import create_app

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    running = uvicorn.Server(uvicorn.Config(create_app(MODEL), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    while not running.started:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/"
    running.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def page(browser, server):
    """A fresh page; every request it makes is recorded, and any to another host is refused."""
    context = browser.new_context(viewport={"width": 1000, "height": 800}, has_touch=True)
    page = context.new_page()
    page.requests = []
    page.on("request", lambda request: page.requests.append(request.url))
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(server) else route.abort())
    page.goto(server)
    yield page
    context.close()


def canvas_points(page, path):
    box = page.locator("#pad").bounding_box()
    return [(box["x"] + x * box["width"], box["y"] + y * box["height"]) for x, y in path]


def draw_with_mouse(page, path):
    points = canvas_points(page, path)
    page.mouse.move(*points[0])
    page.mouse.down()
    for x, y in points[1:]:
        page.mouse.move(x, y, steps=8)
    page.mouse.up()


def draw_with_touch(page, path):
    touch = page.context.new_cdp_session(page)
    points = canvas_points(page, path)
    touch.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": points[0][0], "y": points[0][1]}]})
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        for step in range(1, 9):
            x, y = x0 + (x1 - x0) * step / 8, y0 + (y1 - y0) * step / 8
            touch.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]})
    touch.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def answer_after(page, count):
    """The answer once the page has shown `count` answers in all."""
    page.wait_for_function(f"window.digitsTimings.length >= {count}")
    return page.get_by_test_id("answer").inner_text()


def api_calls(page):
    return [url for url in page.requests if "/api/predict" in url]


def test_a_digit_drawn_with_the_mouse_is_read(page):
    draw_with_mouse(page, SEVEN)
    assert answer_after(page, 1) == "7"
    assert page.locator("#bars li").count() == 10 and page.locator("#seen img").count() == 1


def test_a_digit_drawn_with_a_finger_is_read_and_the_page_does_not_scroll(page):
    draw_with_touch(page, ONE)
    assert answer_after(page, 1) == "1"
    assert page.evaluate("window.scrollY") == 0


WHITE_SHARE = """() => {
    const pad = document.getElementById("pad");
    const pixels = pad.getContext("2d").getImageData(0, 0, pad.width, pad.height).data;
    let white = 0;
    for (let i = 0; i < pixels.length; i += 4) white += pixels[i] === 255;
    return white / (pixels.length / 4);
}"""


def test_an_uploaded_photo_is_read_and_shown_until_a_stroke(page):
    page.set_input_files("#photo", str(ROOT / "samples/digit.jpg"))
    assert answer_after(page, 1) == "7"
    page.wait_for_function(f"({WHITE_SHARE})() < 0.5")  # the photo's grey paper on the pad
    draw_with_mouse(page, ONE)
    answer_after(page, 2)
    assert page.evaluate(WHITE_SHARE) > 0.8  # a stroke starts a drawing, on white


def test_an_upload_that_is_no_image_shows_the_server_s_one_line(page, tmp_path):
    (tmp_path / "notes.txt").write_text("not a picture")
    page.set_input_files("#photo", str(tmp_path / "notes.txt"))
    assert answer_after(page, 1) == "notes.txt: not an image (PNG, JPEG, BMP, TIFF or WebP expected)"
    assert page.locator("#bars li").count() == 0 and page.locator("#confidence").inner_text() == ""
    assert not page.locator("figcaption").is_visible()  # "What the model saw" with nothing under it
    page.set_input_files("#photo", str(ROOT / "samples/digit.jpg"))  # and the page goes on
    assert answer_after(page, 2) == "7"


def test_a_number_uploaded_as_one_digit_is_offered_as_a_number(page):
    page.set_input_files("#photo", str(ROOT / "samples/number.jpg"))
    answer_after(page, 1)
    offer = page.locator("#read-number")
    assert offer.is_visible() and offer.inner_text().startswith("4 digits side by side?")
    offer.click()
    assert answer_after(page, 2) == "2024" and page.locator("#multi").is_checked()
    assert not offer.is_visible() and api_calls(page)[-1].endswith("?multi=true")


def test_a_scribble_is_not_answered_as_a_digit(page):
    # A five-pointed star drawn in one stroke: the model learnt to spread its belief on such shapes.
    star = [(0.5, 0.15), (0.7, 0.8), (0.17, 0.38), (0.83, 0.38), (0.3, 0.8), (0.5, 0.15)]
    draw_with_mouse(page, star)
    text = answer_after(page, 1)
    kind = page.get_by_test_id("answer").get_attribute("data-kind")
    assert kind in ("not_a_digit", "unsure")
    assert text == "This does not look like a digit" if kind == "not_a_digit" else text.endswith("?")
    assert page.locator("#confidence").inner_text().startswith("(the likeliest digit" if kind == "not_a_digit" else "Not sure: ")


def test_undo_and_clear(page):
    draw_with_mouse(page, ONE)
    assert answer_after(page, 1) == "1"
    draw_with_mouse(page, [(0.2, 0.5), (0.8, 0.5)])  # a cross bar: no longer a 1
    answer_after(page, 2)
    page.keyboard.press("Control+z")
    assert answer_after(page, 3) == "1"
    page.get_by_role("button", name="Clear").click()
    assert page.get_by_test_id("answer").inner_text() == "Draw a digit"


def test_an_empty_canvas_sends_nothing_and_nothing_leaves_this_machine(page, server):
    page.get_by_role("button", name="Undo").click()
    page.keyboard.press("Escape")
    page.locator("#pad").click(position={"x": -5, "y": -5}, force=True, trial=True)
    page.wait_for_timeout(300)
    assert api_calls(page) == []
    assert all(url.startswith(server) for url in page.requests)


def test_screenshots_at_desktop_and_phone_size(browser, server, tmp_path):
    import os
    from pathlib import Path

    # README shows the desktop one: DIGITS_SCREENSHOTS=docs pytest tests/test_page.py writes both there.
    for name, viewport, scale in (("desktop", {"width": 1000, "height": 660}, 1), ("phone", {"width": 375, "height": 667}, 2)):
        context = browser.new_context(viewport=viewport, has_touch=True, device_scale_factor=scale)
        page = context.new_page()
        page.goto(server)
        draw_with_touch(page, SEVEN)
        assert answer_after(page, 1) == "7"
        # The canvas fits the screen's width, and the answer shows without scrolling.
        assert page.locator("#pad").bounding_box()["width"] <= viewport["width"]
        answer = page.get_by_test_id("answer").bounding_box()
        assert answer["y"] + answer["height"] <= viewport["height"]
        page.screenshot(path=str(tmp_path / f"page-{name}.png"), full_page=name == "phone")
        if os.environ.get("DIGITS_SCREENSHOTS"):
            page.screenshot(path=str(Path(os.environ["DIGITS_SCREENSHOTS"]) / f"page-{name}.png"), full_page=name == "phone")
        context.close()
