"""Benchmark: `digits serve` as a whole process, measured from outside as a client sees it.

Usage: python benchmarks/serve.py [--model models/model.tflite] [--requests 10000] [--clients 8]
Needs data/prepared/test.npz and the model (run `dvc repro` first). The images are canvas drawings
(benchmarks/sources.py's drawing source, MNIST test digits redrawn with a round brush) resized to
280x280 PNG, as the page sends them. Prints a markdown table:

- server time per drawn digit (the response's `server_ms`: reading the upload, preparation, views, model);
- HTTP round trip, one client, sequential requests;
- throughput with N concurrent clients (keep-alive connections), and the errors seen;
- the resident memory of the server and its reader processes after a warm-up and after all the requests (Linux /proc);
- with Chromium installed, pen lifted -> answer on screen in the page (its own timing);
- the page's weight.
"""

import argparse
import http.client
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from sources import make_drawing  # noqa: E402


def drawings(count: int) -> list[bytes]:
    test = np.load(ROOT / "data/prepared/test.npz")
    rng = np.random.default_rng(0)
    pictures = []
    for digit in test["images"][:count]:
        canvas = cv2.resize(make_drawing(digit, rng), (280, 280), interpolation=cv2.INTER_AREA)
        pictures.append(cv2.imencode(".png", canvas)[1].tobytes())
    return pictures


def multipart(png: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"drawing.png\"\r\n"
            f"Content-Type: image/png\r\n\r\n").encode() + png + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def post(connection: http.client.HTTPConnection, png: bytes) -> tuple[int, float, float]:
    """(status, round trip ms, server ms) of one request on a kept-alive connection."""
    body, content_type = multipart(png)
    start = time.perf_counter()
    connection.request("POST", "/api/predict", body=body, headers={"Content-Type": content_type})
    response = connection.getresponse()
    data = response.read()
    elapsed = 1000 * (time.perf_counter() - start)
    server = float(data.split(b'"server_ms":')[1].split(b"}")[0]) if response.status == 200 else float("nan")
    return response.status, elapsed, server


def p95(values: list[float]) -> float:
    return float(np.percentile(values, 95))


def rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants (the server's image readers), Linux /proc."""
    total = 0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            total += int(line.split()[1]) / 1024
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return total + sum(rss_mb(int(child)) for child in children)


def concurrent(port: int, pictures: list[bytes], clients: int, total: int) -> tuple[float, int]:
    """Requests per second with `clients` threads sending `total` requests in all, and the failures."""
    failures = []

    def client(index: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for n in range(index, total, clients):
            status, _, _ = post(connection, pictures[n % len(pictures)])
            if status != 200:
                failures.append(status)
        connection.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return total / (time.perf_counter() - start), len(failures)


def page_timing(port: int, count: int) -> float | None:
    """p95 of the page's own 'pen lifted -> answer shown' timing over `count` drawn strokes, or None without Chromium."""
    if not Path("/usr/bin/chromium").exists():
        return None
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                             args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page(viewport={"width": 1000, "height": 800})
        page.goto(f"http://127.0.0.1:{port}/")
        box = page.locator("#pad").bounding_box()
        for n in range(count):
            page.keyboard.press("Escape")
            page.mouse.move(box["x"] + 0.5 * box["width"], box["y"] + 0.15 * box["height"])
            page.mouse.down()
            page.mouse.move(box["x"] + 0.5 * box["width"], box["y"] + 0.85 * box["height"], steps=10)
            page.mouse.up()
            page.wait_for_function(f"window.digitsTimings.length >= {n + 1}")
        timings = page.evaluate("window.digitsTimings")
        browser.close()
    return p95(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(ROOT / "models/model.tflite"))
    parser.add_argument("--requests", type=int, default=10_000, help="for throughput and memory")
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()

    pictures = drawings(200)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "digits.cli", "serve", "--model", args.model, "--port", str(port)],
                              cwd=ROOT, stdout=subprocess.PIPE, text=True)
    server.stdout.readline()  # "digits serve: http://..." once the model is loaded
    try:
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                connection.request("GET", "/api/health")
                connection.getresponse().read()
                break
            except OSError:
                time.sleep(0.1)
        # Warm-up, concurrent so that every reader process serves (its first image loads its lazy parts).
        concurrent(port, pictures, args.clients, len(pictures))
        rss_before = rss_mb(server.pid)
        sequential = [post(connection, png) for png in pictures]
        connection.close()
        throughput, failures = concurrent(port, pictures, args.clients, args.requests)
        rss_after = rss_mb(server.pid)
        pen_to_answer = page_timing(port, 30)
    finally:
        server.terminate()
        server.wait(timeout=30)
    page_bytes = sum(path.stat().st_size for path in (ROOT / "digits/static").iterdir())

    print(f"`digits serve` with {Path(args.model).name}, {os.cpu_count()} CPUs; 280x280 PNG drawings\n")
    print("| measure | value |")
    print("| --- | --- |")
    print(f"| server time per drawn digit, p95 (median) | {p95([s for _, _, s in sequential]):.1f} ms "
          f"({statistics.median(s for _, _, s in sequential):.1f} ms) |")
    print(f"| HTTP round trip, one client, p95 (median) | {p95([r for _, r, _ in sequential]):.1f} ms "
          f"({statistics.median(r for _, r, _ in sequential):.1f} ms) |")
    print(f"| throughput, {args.clients} clients, {args.requests:,} requests | {throughput:.0f} requests/s, {failures} errors |")
    print(f"| resident memory, after warm-up -> after {args.requests:,} more requests | {rss_before:.0f} MB -> {rss_after:.0f} MB |")
    if pen_to_answer is not None:
        print(f"| pen lifted -> answer on screen, p95 of 30 (Chromium) | {pen_to_answer:.0f} ms |")
    print(f"| page weight (HTML, CSS, JS) | {page_bytes / 1000:.1f} kB, nothing from another host |")


if __name__ == "__main__":
    main()
