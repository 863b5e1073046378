"""`digits plots-template`: DVC's plots page drawn with no network."""

import re
import sys

from tests.conftest import dvc, run


def test_dvc_plots_draw_offline_with_the_template(project, tmp_path, browser):
    template = tmp_path / "offline.html"
    run([sys.executable, "-m", "digits.cli", "plots-template", str(template)], project["dir"], project["env"])
    dvc("plots", "show", "--html-template", str(template), "-o", str(tmp_path / "plots"), project=project)
    page_html = (tmp_path / "plots/index.html").read_text()
    assert not re.search(r"<script[^>]+src=", page_html)  # DVC's default page loads three scripts from a CDN

    page = browser.new_page()
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.route(re.compile(r"^https?://"), lambda route: route.abort())
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto((tmp_path / "plots/index.html").as_uri())
    # Loss, accuracy and DVC's confusion matrix are Vega charts; each draws one SVG or canvas.
    page.wait_for_function("document.querySelectorAll('.vega-embed svg, .vega-embed canvas').length >= 3", timeout=20000)
    assert errors == [] and not [url for url in requests if url.startswith("http")]
    page.close()
