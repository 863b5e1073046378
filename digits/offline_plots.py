"""An HTML template that lets `dvc plots show` and `dvc plots diff` draw with no network.

DVC's default page loads Vega, Vega-Lite and Vega-Embed from a CDN, so offline it stays blank.
This template carries those libraries inline (vl-convert's bundle, the same engine `digits
pr-report` renders PNGs with) and leaves out DVC's `{scripts}` placeholder, where the CDN tags go.
"""

from __future__ import annotations

import os

import vl_convert

from digits.files import write_text_atomic

PAGE = """<!DOCTYPE html>
<html>
<head>
  <meta charset="utf-8">
  <title>DVC plots</title>
  <script>{bundle}</script>
  <style>table {{ border-spacing: 15px; }}</style>
</head>
<body>
{{plot_divs}}
</body>
</html>
"""


def write_plots_template(path: str | os.PathLike) -> None:
    """Write the template to `path`, for `dvc plots show --html-template PATH`."""
    write_text_atomic(path, PAGE.format(bundle=vl_convert.javascript_bundle()))
