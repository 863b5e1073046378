"""The `digits` command.

digits [-v] predict [--model M] [--json] [--multi] [--debug-dir DIR] [--min-confidence P] [--min-digit-mass P] PATH... (- : stdin)
digits pr-report --base REV [--out DIR] [--pull-request N]
digits pr-comment DIR [--head-sha SHA]
digits serve [--model M] [--host H] [--port P] [--workers N]
digits plots-template PATH
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
from functools import partial
from pathlib import Path

from digits.answer import as_record, as_sentence, describe_all, digits_side_by_side, load_reader, may_hold_several, multi_hint, prepare_or_error
from digits.errors import DigitsError, run_main
from digits.images import Upload, list_images
from digits.parallel import on_every_core
from digits.predictor import read_views
from digits.quiet import VERBOSE

DEFAULT_MODEL = "models/model.tflite"
PARALLEL_FROM = 32  # images: fewer are prepared in this process (worker processes cost more than they save)


def main(argv: list[str] | None = None) -> int:
    return run_main("digits", lambda: program(argv))


def program(argv: list[str] | None) -> int:
    parser = argparse.ArgumentParser(prog="digits", description="Handwritten-digit recognition.")
    parser.add_argument("-v", "--verbose", action="store_true", help=f"show TensorFlow's and LiteRT's own messages (or set {VERBOSE}=1)")
    commands = parser.add_subparsers(dest="command", required=True)
    predict = commands.add_parser("predict", help="read the digit (or, with --multi, the number) in each image")
    predict.add_argument("paths", nargs="+", metavar="PATH",
                         help="image files, or folders of them (read in name order); - reads one image from standard input")
    predict.add_argument("--model", default=DEFAULT_MODEL, help=f"a .tflite model with its .calibration.json beside it (default: {DEFAULT_MODEL})")
    predict.add_argument("--json", action="store_true", help="one JSON object per line per image")
    predict.add_argument("--multi", action="store_true", help="read a row of digits as a number")
    predict.add_argument("--debug-dir", metavar="DIR", help="write each preprocessing step of each image as PNG")
    predict.add_argument("--min-confidence", type=float, metavar="P",
                         help="answer a digit only from this calibrated confidence, else \"not sure\" (default: the model's calibration)")
    predict.add_argument("--min-digit-mass", type=float, metavar="P",
                         help="answer \"not a digit\" when the two likeliest digits hold less than this, before calibration (default: the model's calibration)")
    report = commands.add_parser("pr-report", help="compare the workspace with a base revision: markdown and PNG plots for a pull request")
    report.add_argument("--base", required=True, metavar="REV", help="git revision to compare with, e.g. origin/main or HEAD~1")
    report.add_argument("--out", default="pr-report", metavar="DIR", help="where report.md, plots/ and comment.md go (default: pr-report)")
    report.add_argument("--pull-request", type=int, metavar="N", help="also write DIR/pull-request, for `digits pr-comment`")
    comment = commands.add_parser("pr-comment", help="post DIR/comment.md on its pull request, or update the comment posted before (uses `gh`)")
    comment.add_argument("report_dir", metavar="DIR", help="a `digits pr-report --pull-request N` output directory")
    comment.add_argument("--head-sha", metavar="SHA", help="refuse unless the pull request's head is this commit")
    serve = commands.add_parser("serve", help="serve a page to draw or upload digits, and its JSON API (POST /api/predict)")
    serve.add_argument("--model", default=DEFAULT_MODEL, help=f"a .tflite model with its .calibration.json beside it (default: {DEFAULT_MODEL})")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)")
    serve.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    serve.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                       help="processes reading images, each with the model loaded once (default: one per core)")
    template = commands.add_parser("plots-template", help="write an HTML template with which `dvc plots show/diff` draw offline")
    template.add_argument("path", metavar="PATH", help="e.g. dvc_plots_offline.html; then: dvc plots show --html-template PATH")
    args = parser.parse_args(argv)
    if args.verbose:
        os.environ[VERBOSE] = "1"  # read by digits.quiet, also in worker processes
    if args.command == "pr-report":
        # Imported here: predict must stay quick to start, and the report needs none of its imports.
        from digits.pr_report import write_pr_report

        print(write_pr_report(args.base, args.out, pull_request=args.pull_request))
        return 0
    if args.command == "pr-comment":
        from digits.github import post_comment

        print(post_comment(args.report_dir, args.head_sha))
        return 0
    if args.command == "serve":
        return run_server(args.model, args.host, args.port, args.workers)
    if args.command == "plots-template":
        from digits.offline_plots import write_plots_template

        write_plots_template(args.path)
        print(f"{args.path}: now `dvc plots show --html-template {args.path}` (or `dvc config plots.html_template {args.path}`)")
        return 0
    return run_predict(args.paths, args.model, args.json, args.multi, args.debug_dir, (args.min_confidence, args.min_digit_mass))


def run_server(model_path: str, host: str, port: int, workers: int) -> int:
    import uvicorn

    from digits.server import create_app

    if workers < 1:
        raise DigitsError(f"--workers {workers}: expected 1 or more")
    check_address(host, port)
    app = create_app(model_path, workers)  # a missing model is the usual one-line error, before listening
    if host not in ("127.0.0.1", "localhost", "::1"):
        print(f"digits serve: warning: listening on {host}: other machines can send images to it", file=sys.stderr)
    print(f"digits serve: http://{host}:{port}/ (model {model_path}; Ctrl-C stops)", flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")
    return 0


def check_address(host: str, port: int) -> None:
    """One line, before the readers start, where the server cannot listen: a port out of range,
    an unknown host, or an address in use (another `digits serve`?). Uvicorn would say so only
    after the page's address was printed, or with a traceback."""
    if not 0 <= port <= 65535:
        raise DigitsError(f"--port {port}: expected 0 to 65535")
    try:
        family, kind, protocol, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as error:
        raise DigitsError(f"--host {host}: not an address of this machine ({error.strerror})") from None
    with socket.socket(family, kind, protocol) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds: a closed server's port is free
        try:
            probe.bind(address)
        except OSError as error:
            raise DigitsError(f"{host}:{port}: cannot listen there ({error.strerror}); choose another --port") from None


def run_predict(paths: list[str], model_path: str, as_json: bool, multi: bool, debug_dir: str | None,
                thresholds: tuple[float | None, float | None] = (None, None)) -> int:
    """Answer every readable image; report each failure on its own line; exit 1 if any failed."""
    images = list_images(paths)
    if not images:
        raise DigitsError(f"no images found in {', '.join(paths)}")
    predict, calibration = load_reader(model_path, *thresholds)
    if debug_dir:
        make_debug_dir(debug_dir)
    # "-": an image piped in (a screenshot tool, curl), read as an upload is, named "stdin" in messages.
    if "-" in images and sys.stdin.isatty():
        raise DigitsError("- reads an image from standard input: pipe one in (cat photo.jpg | digits predict -)")
    sources = [Upload(sys.stdin.buffer.read(), "stdin") if path == "-" else path for path in images]

    prepare = partial(prepare_or_error, multi=multi, debug_dir=debug_dir)
    prepared = on_every_core(prepare, sources, fewest=PARALLEL_FROM, progress="preparing images")

    # One batched inference over every view of every digit of every image, and one calibration.
    views = [digit for result in prepared if not isinstance(result, str) for digit in result]
    described = iter(describe_all(read_views(predict, views), calibration) if views else [])
    answers = [None if isinstance(result, str) else [next(described) for _ in result] for result in prepared]
    several = {} if multi else several_digits(sources, prepared, answers)
    failed = False
    for index, (path, result, answer) in enumerate(zip(images, prepared, answers)):
        if isinstance(result, str):
            failed = True
            if as_json:
                print(json.dumps({"image": path, "error": result}))
            else:
                print(f"digits: error: {result}", file=sys.stderr)
            continue
        record, sentence = as_record(path, answer, multi), as_sentence(answer, multi)
        if index in several:
            record["several_digits"] = several[index]
            sentence += f" ({multi_hint(several[index])})"
        if as_json:
            print(json.dumps(record))
        else:
            print(sentence if len(images) == 1 else f"{path}: {sentence}")
    return 1 if failed else 0


def make_debug_dir(debug_dir: str) -> None:
    """Create --debug-dir before any image is read: where it cannot be, one line, not a traceback per image."""
    try:
        Path(debug_dir).mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise DigitsError(f"--debug-dir {debug_dir}: a file, not a folder") from None
    except OSError as error:
        raise DigitsError(f"--debug-dir {debug_dir}: cannot create it ({error.strerror})") from None


def several_digits(sources: list[str | Upload], prepared: list, answers: list[list[dict] | None]) -> dict[int, int]:
    """{index: how many digits side by side} for the images read as one digit that may hold several and do."""
    doubted = [index for index, (views, answer) in enumerate(zip(prepared, answers)) if answer and may_hold_several(answer[0], views[0][0])]
    counts = on_every_core(digits_side_by_side, [sources[index] for index in doubted], fewest=PARALLEL_FROM)
    return {index: count for index, count in zip(doubted, counts) if count}


if __name__ == "__main__":
    sys.exit(main())
