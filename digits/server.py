"""`digits serve`: a page to draw or upload a digit, and the JSON API behind it, reading images as
`digits predict` does, in worker processes that each load the model once.

POST /api/predict takes a multipart field `image` (and `?multi=true`) and answers with the JSON
object `digits predict --json` prints, plus all ten probabilities, the 28x28 images the model saw
(`seen`, PNG in base64) and the server time (`server_ms`).
Uploads stay in memory and are refused past MAX_UPLOAD_BYTES while they arrive.
"""

from __future__ import annotations

import asyncio
import base64
import multiprocessing
import os
import signal
import time
from collections.abc import AsyncIterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import asynccontextmanager
from pathlib import Path

import cv2
import numpy as np
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.formparsers import MultiPartException, MultiPartParser

from digits.answer import (as_record, as_sentence, describe_all, digits_side_by_side, load_reader, may_hold_several,
                           prepare_views, rounded_down)
from digits.calibration import Calibration, calibrate
from digits.images import ImageError, NoDigitError, NotAnImageError, TooManyPixelsError, Upload
from digits.predictor import Predict, read_views

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
STATIC = Path(__file__).parent / "static"
STATUS = [(NotAnImageError, 415), (TooManyPixelsError, 413), (NoDigitError, 422), (ImageError, 400)]


class TooLarge(Exception):
    """The request body passed MAX_UPLOAD_BYTES."""


class InMemoryParser(MultiPartParser):
    # Starlette spools file parts over 1 MB to a temporary file; here nothing a client sends is written to disk.
    spool_max_size = MAX_UPLOAD_BYTES + 1


def create_app(model_path: str | Path, workers: int | None = None) -> FastAPI:
    """The app, reading images in `workers` processes (default: one per core), each with the model
    loaded once. A missing or unreadable model raises DigitsError here, at start."""
    load_reader(model_path)  # the one-line error, before any process starts
    workers = workers or os.cpu_count() or 1
    readers = start_readers(model_path, workers)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        readers.shutdown(cancel_futures=True)

    # No /docs: FastAPI's docs page loads its scripts from a CDN, and the page must work offline.
    app = FastAPI(title="digits", docs_url=None, redoc_url=None, lifespan=lifespan)

    # Every error, the framework's own too (a bad query parameter, an unknown path), is {"error": ...}.
    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, problem: RequestValidationError) -> JSONResponse:
        return error(422, "; ".join(f"{item['loc'][-1]}: {item['msg']} (got {item.get('input')!r})" for item in problem.errors()))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, problem: StarletteHTTPException) -> JSONResponse:
        return error(problem.status_code, str(problem.detail))

    @app.get("/api/health")
    def health() -> dict:
        return {"status": "ok", "model": str(model_path)}

    @app.get("/api/predict")
    def predict_needs_post() -> JSONResponse:
        # Opened in a browser, the address would otherwise fall through to the page's files: "Not Found".
        response = error(405, "POST an image here, as the multipart field `image` (see README: The web page)")
        response.headers["Allow"] = "POST"
        return response

    @app.post("/api/predict")
    async def predict_image(request: Request, multi: bool = False) -> JSONResponse:
        nonlocal readers
        start = time.perf_counter()
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_UPLOAD_BYTES:
            return error(413, f"upload larger than {MAX_UPLOAD_BYTES // 2**20} MB")
        if not request.headers.get("content-type", "").startswith("multipart/form-data"):
            return error(400, "expected multipart/form-data with an `image` field")
        try:
            form = await InMemoryParser(request.headers, limited(request.stream()), max_files=1, max_fields=1).parse()
        except TooLarge:
            return error(413, f"upload larger than {MAX_UPLOAD_BYTES // 2**20} MB")
        except MultiPartException as problem:
            return error(400, f"malformed upload ({problem.message})")
        image = form.get("image")
        if isinstance(image, str):  # a text field, not a file part (curl's -F image=<photo.jpg, not @)
            return error(400, "the `image` field holds text, not a file (curl: -F image=@photo.jpg)")
        if not isinstance(image, UploadFile):
            return error(400, "expected multipart/form-data with an `image` field")
        upload = Upload(await image.read(), image.filename or "upload")
        used = readers
        try:
            record = await asyncio.get_running_loop().run_in_executor(used, answer_in_worker, upload, multi)
        except ImageError as problem:
            return error(next(code for kind, code in STATUS if isinstance(problem, kind)), str(problem))
        except BrokenProcessPool:
            # A reader died (killed, or a crash inside a native library): this request fails, the
            # server stays up, and new readers take the next ones (once, however many requests saw it).
            if readers is used:
                used.shutdown(wait=False)
                readers = start_readers(model_path, workers)
            return error(500, "the image reader stopped unexpectedly; please send the image again")
        record["server_ms"] = round(1000 * (time.perf_counter() - start), 1)
        return JSONResponse(record)

    # The page: static files shipped in the package, no build step, nothing from another host.
    app.mount("/", StaticFiles(directory=STATIC, html=True), name="page")
    return app


def start_readers(model_path: str | Path, workers: int) -> ProcessPoolExecutor:
    """`workers` reader processes, started now (each takes about a second), not at the first requests.

    Images are prepared and read in processes, not threads: preparation is mostly Python, and in
    one process the GIL holds it to about one core (150 against 220-259 requests/s on 2 cores,
    docs/serving.md). Spawned, not forked: the server may already run threads.
    """
    readers = ProcessPoolExecutor(workers, multiprocessing.get_context("spawn"), initializer=start_reader, initargs=(str(model_path),))
    for _ in range(workers):  # a pool starts a process per task it cannot hand to an idle one: one no-op each
        readers.submit(int)
    return readers


# A reader process's model and calibration, loaded once by start_reader.
reader: tuple[Predict, Calibration] | None = None


def start_reader(model_path: str) -> None:
    global reader
    # Ctrl-C reaches every process of the terminal's group: the server stops, and then stops its readers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # One request per reader at a time: OpenCV's and LiteRT's own threads on so small an image
    # cost twice the CPU time for no gain in latency.
    cv2.setNumThreads(1)
    reader = load_reader(model_path, threads=1)


def answer_in_worker(upload: Upload, multi: bool) -> dict:
    return answer(*reader, upload, multi)


def answer(predict: Predict, calibration: Calibration, upload: Upload, multi: bool) -> dict:
    """The `digits predict --json` record of one upload, its sentence, and the 28x28 digits the model saw (PNG, base64)."""
    views = prepare_views(upload, multi)
    scores = read_views(predict, views)
    answers = describe_all(scores, calibration)
    record = as_record(upload.name, answers, multi)
    record["sentence"] = as_sentence(answers, multi)
    if not multi and may_hold_several(answers[0], views[0][0]) and (count := digits_side_by_side(upload)):
        record["several_digits"] = count  # the page offers to read them as a number
    # All ten calibrated probabilities of the (leftmost) digit, for the page's bars.
    record["probabilities"] = rounded_down(calibrate(scores[:1], calibration.temperature)[0]).tolist()
    record["seen"] = [png_base64(digit_views[0]) for digit_views in views]
    return record


def png_base64(digit: np.ndarray) -> str:
    return base64.b64encode(cv2.imencode(".png", digit)[1].tobytes()).decode()


async def limited(stream: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """The request body, stopped as soon as it passes MAX_UPLOAD_BYTES (a missing Content-Length included)."""
    received = 0
    async for chunk in stream:
        received += len(chunk)
        if received > MAX_UPLOAD_BYTES:
            raise TooLarge
        yield chunk


def error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)
