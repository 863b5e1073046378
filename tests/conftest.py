"""Shared fixtures: tiny synthetic MNIST-format data, an in-process CLI runner, and a trained
copy of the project (the real `dvc repro`, fed the synthetic data from a local mirror)."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
import yaml

from digits.idx import IMAGES_MAGIC, LABELS_MAGIC, encode_idx

ROOT = Path(__file__).resolve().parent.parent


def draw_digit(digit: int, rng: np.random.Generator, size: int = 28) -> np.ndarray:
    """A white-on-black digit drawn with OpenCV's font, jittered in place, scale and thickness."""
    image = np.zeros((size, size), np.uint8)
    scale = rng.uniform(0.6, 0.9) * size / 28
    thickness = int(rng.integers(1, 3))
    (width, height), _ = cv2.getTextSize(str(digit), cv2.FONT_HERSHEY_SIMPLEX, scale, thickness)
    x = (size - width) // 2 + int(rng.integers(-2, 3))
    y = (size + height) // 2 + int(rng.integers(-2, 3))
    cv2.putText(image, str(digit), (x, y), cv2.FONT_HERSHEY_SIMPLEX, scale, 255, thickness, cv2.LINE_AA)
    return image


def synthetic_mnist(count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    labels = (np.arange(count) % 10).astype(np.uint8)
    rng.shuffle(labels)
    return np.stack([draw_digit(int(d), rng) for d in labels]), labels


def write_synthetic_mirror(directory: Path, train_count: int = 600, test_count: int = 200) -> Path:
    """Write the four .gz files of a synthetic data set into `directory`, and a spec JSON for them.

    Returns the spec's path (for DIGITS_MNIST_SPEC); the directory serves as DIGITS_MNIST_MIRROR.
    """
    directory.mkdir(parents=True, exist_ok=True)
    spec = {"gz_files": {}, "idx_md5": {}, "label_counts": {}}
    for split, count, seed in (("train", train_count, 1), ("t10k", test_count, 2)):
        images, labels = synthetic_mnist(count, seed)
        spec["label_counts"][split] = np.bincount(labels, minlength=10).tolist()
        for name, data in (
            (f"{split}-images-idx3-ubyte", encode_idx(images, IMAGES_MAGIC)),
            (f"{split}-labels-idx1-ubyte", encode_idx(labels, LABELS_MAGIC)),
        ):
            compressed = gzip.compress(data, mtime=0)
            (directory / f"{name}.gz").write_bytes(compressed)
            spec["gz_files"][name] = [hashlib.md5(compressed).hexdigest(), len(compressed)]
            spec["idx_md5"][name] = hashlib.md5(data).hexdigest()
    spec_path = directory / "spec.json"
    spec_path.write_text(json.dumps(spec))
    return spec_path


@pytest.fixture
def synthetic_mirror(tmp_path: Path) -> tuple[Path, Path]:
    """(mirror directory, spec path) of a small synthetic MNIST-format data set."""
    mirror = tmp_path / "mirror"
    return mirror, write_synthetic_mirror(mirror)


@pytest.fixture
def run_cli(capsys):
    """Run `digits ...` in-process; return (exit status, stdout, stderr)."""
    from digits.cli import main

    def run(*args: str) -> tuple[int, str, str]:
        status = main(list(args))
        captured = capsys.readouterr()
        return status, captured.out, captured.err

    return run


def run(args: list[str], cwd: Path, env: dict) -> str:
    """Run a command; fail the test with its output unless it succeeds. Returns stdout + stderr."""
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True)
    assert result.returncode == 0, f"{' '.join(map(str, args))} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr


def git(*args: str, project: dict) -> str:
    return run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], project["dir"], project["env"])


def dvc(*args: str, project: dict) -> str:
    return run([sys.executable, "-m", "dvc", *args], project["dir"], project["env"])


def stages_run(output: str) -> list[str]:
    return re.findall(r"Running stage '(\w+)'", output)


def set_param(project: dict, section: str, key: str, value: object) -> None:
    path = project["dir"] / "params.yaml"
    params = yaml.safe_load(path.read_text())
    params[section][key] = value
    path.write_text(yaml.safe_dump(params, sort_keys=False))


@pytest.fixture(scope="session")
def project(tmp_path_factory) -> dict:
    """A copy of the repository in a fresh git repo, reproduced on the synthetic mirror and committed.

    Tests that change it in ways others must not see work on a `clone_project` of it instead.
    """
    base = tmp_path_factory.mktemp("e2e")
    directory = base / "project"
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout.split("\n")
    for name in filter(None, listed):
        if (ROOT / name).is_file() and not name.startswith("tests/"):
            (directory / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, directory / name)
    spec = write_synthetic_mirror(base / "mirror")
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "DIGITS_MNIST_MIRROR": str(base / "mirror"),
        "DIGITS_MNIST_SPEC": str(spec),
        "DIGITS_CACHE_DIR": str(base / "cache"),
    }
    project = {"dir": directory, "env": env}
    set_param(project, "preprocess", "validation_size", 100)
    run(["git", "init", "-q"], directory, env)
    git("add", "-A", project=project)
    git("commit", "-qm", "copy", project=project)
    project["first_run"] = dvc("repro", project=project)
    git("add", "-A", project=project)
    git("commit", "-qm", "first run", project=project)
    return project


def clone_project(project: dict, directory: Path, share_cache: bool = True) -> dict:
    """A git clone of the project's last commit; with share_cache, its outputs checked out from the same DVC cache."""
    run(["git", "clone", "-q", str(project["dir"]), str(directory)], directory.parent, project["env"])
    clone = {**project, "dir": directory}
    if share_cache:
        dvc("cache", "dir", "--local", str(project["dir"] / ".dvc/cache"), project=clone)
        dvc("checkout", project=clone)
    return clone


CHROMIUM = Path("/usr/bin/chromium")  # Debian's package: `apt-get install -y chromium` (.ci/run does)


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium driven by Playwright, with no network beyond what a test serves."""
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests need Chromium at {CHROMIUM} (apt-get install -y chromium)")
    playwright_api = pytest.importorskip("playwright.sync_api", reason="browser tests need `pip install playwright`")
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield chromium
        chromium.close()


BROWSER_PACKAGES = ROOT / "tests/browser"  # package.json and package-lock.json: mermaid, marked, ...


@pytest.fixture(scope="session")
def node_modules() -> Path:
    """tests/browser/node_modules, installed from the npm registry by `npm ci` when the lock file is newer."""
    installed = BROWSER_PACKAGES / "node_modules/.package-lock.json"
    lock = BROWSER_PACKAGES / "package-lock.json"
    if not installed.exists() or installed.stat().st_mtime < lock.stat().st_mtime:
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("browser tests need npm, for the front-end packages in tests/browser/package.json")
        result = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=BROWSER_PACKAGES, capture_output=True, text=True)
        if result.returncode != 0:
            pytest.skip(f"`npm ci` in tests/browser failed (no npm registry?): {result.stderr.strip()[-300:]}")
    return BROWSER_PACKAGES / "node_modules"


RENDER_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8">
<link rel="stylesheet" href="{modules}/github-markdown-css/github-markdown-light.css">
<style>.markdown-body {{ box-sizing: border-box; max-width: 880px; margin: 0 auto; padding: 24px; }}</style>
<script src="{modules}/marked/lib/marked.umd.js"></script><script src="{modules}/{mermaid}/dist/mermaid.min.js"></script>
</head><body><article class="markdown-body" id="comment"></article></body></html>"""

RENDER_SCRIPT = """async (markdown) => {
  mermaid.initialize({startOnLoad: false});
  const comment = document.getElementById('comment');
  comment.innerHTML = marked.parse(markdown);
  const svgs = [];
  for (const [i, code] of [...comment.querySelectorAll('code.language-mermaid')].entries()) {
    const {svg} = await mermaid.render('chart' + i, code.textContent);  // throws on a parse or render error
    const chart = document.createElement('div');
    chart.innerHTML = svg;
    code.parentElement.replaceWith(chart);
    svgs.push(svg);
  }
  comment.querySelectorAll('details').forEach((details) => { details.open = true; });
  return svgs;
}"""


def render_markdown(browser, node_modules: Path, markdown: str, directory: Path, mermaid: str = "mermaid"):
    """Render markdown as GitHub does (marked, GitHub's CSS, Mermaid code blocks drawn), offline.

    Returns (page, the SVG of each Mermaid block). `mermaid` names the npm package: "mermaid" (10.x)
    or "mermaid11", the versions GitHub has used.
    """
    page_path = directory / f"render-{mermaid}.html"
    page_path.write_text(RENDER_PAGE.format(modules=node_modules.as_uri(), mermaid=mermaid))
    page = browser.new_page(viewport={"width": 900, "height": 800})
    page.route(re.compile(r"^https?://"), lambda route: route.abort())
    page.goto(page_path.as_uri())
    return page, page.evaluate(RENDER_SCRIPT, markdown)
