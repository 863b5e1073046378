"""The JSON API of `digits serve`, through FastAPI's test client."""

import base64
import json
import multiprocessing
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient

from digits.calibration import Calibration
from digits.images import Upload
from digits.server import MAX_UPLOAD_BYTES, answer, create_app
from tests.test_cli import model_path, write_calibration  # noqa: F401 (an untrained model: the API's behaviour, not accuracy)
from tests.test_images import png_header_only
from tests.test_photo import photo_of_digit, row_of_digits


@pytest.fixture(scope="module")
def client(model_path):  # noqa: F811
    return TestClient(create_app(model_path))


def png(image: np.ndarray) -> bytes:
    return cv2.imencode(".png", image)[1].tobytes()


def post(client, data: bytes, name="seven.png", **params):
    return client.post("/api/predict", params=params, files={"image": (name, data, "image/png")})


def test_health_names_the_model(client, model_path):  # noqa: F811
    assert client.get("/api/health").json() == {"status": "ok", "model": model_path}


def test_predict_answers_as_digits_predict_json_does(client, run_cli, model_path, tmp_path):  # noqa: F811
    image = photo_of_digit(7)
    cv2.imwrite(str(tmp_path / "seven.png"), image)
    _, out, _ = run_cli("predict", "--json", "--model", model_path, str(tmp_path / "seven.png"))
    expected = json.loads(out)
    response = post(client, png(image))
    assert response.status_code == 200
    record = response.json()
    assert {key: record[key] for key in ("digit", "confidence", "top3", "answer")} == \
        {key: expected[key] for key in ("digit", "confidence", "top3", "answer")}
    # The page shows the same sentence as the command line.
    _, sentence, _ = run_cli("predict", "--model", model_path, str(tmp_path / "seven.png"))
    assert record["sentence"] == sentence.strip()
    assert record["image"] == "seven.png" and record["server_ms"] > 0
    seen = cv2.imdecode(np.frombuffer(base64.b64decode(record["seen"][0]), np.uint8), cv2.IMREAD_GRAYSCALE)
    assert seen.shape == (28, 28)


def test_the_bars_show_the_answer_s_confidence_never_a_certainty():
    # A model all but sure of a 7 (0.99996): the confidence reads 0.9999, and so must the 7's bar.
    sure = np.full(10, 0.4e-5)
    sure[7] = 1 - sure.sum() + sure[7]
    record = answer(lambda images: np.tile(sure, (len(images), 1)), Calibration(1.0, 0.9, 0.5, "any"),
                    Upload(png(photo_of_digit(7))), multi=False)
    assert record["confidence"] == 0.9999
    assert record["probabilities"][7] == record["confidence"] and max(record["probabilities"]) < 1


def test_multi_reads_each_digit_and_returns_each_view(client):
    record = post(client, png(row_of_digits([2, 0, 2, 4])), multi="true").json()
    assert len(record["digits"]) == 4 and len(record["number"]) == 4 and len(record["seen"]) == 4


def test_a_number_sent_as_one_digit_is_counted_for_the_page(tmp_path, model_path):  # noqa: F811
    # A copy of the model whose calibration answers everything "not a digit".
    refusing = tmp_path / "model.keras"
    refusing.write_bytes(Path(model_path).read_bytes())
    write_calibration(refusing, min_digit_mass=1.0)
    client = TestClient(create_app(refusing))
    row = post(client, png(row_of_digits([2, 0, 2, 4]))).json()
    assert row["answer"] == "not_a_digit" and row["several_digits"] == 4
    assert "several_digits" not in post(client, png(photo_of_digit(7))).json()
    assert "several_digits" not in post(client, png(row_of_digits([2, 0, 2, 4])), multi="true").json()


@pytest.mark.parametrize("data, status, message", [
    (b"this is not an image", 415, "not an image"),
    (png_header_only(20_000, 20_000), 413, "megapixels allowed"),
    (png(np.full((200, 200), 230, np.uint8)), 422, "no digit found"),
    (png(np.zeros((4, 4), np.uint8)), 400, "too small"),
    (b"", 400, "empty"),
])
def test_bad_images_get_a_json_error_and_the_right_status(client, data, status, message):
    response = post(client, data)
    assert response.status_code == status and message in response.json()["error"]
    assert client.get("/api/health").status_code == 200  # and the server stays up


def test_the_framework_s_own_errors_are_json_errors_too(client):
    bad_query = post(client, png(photo_of_digit(7)), multi="maybe")
    assert bad_query.status_code == 422 and bad_query.json()["error"].startswith("multi: ")
    assert client.post("/api/nothing-here").json() == {"error": "Method Not Allowed"}
    opened = client.get("/api/predict")  # the API's address typed into a browser
    assert opened.status_code == 405 and opened.headers["allow"] == "POST" and "POST an image" in opened.json()["error"]
    assert client.get("/api/health").status_code == 200


def test_a_request_without_an_image_field_is_400(client):
    assert client.post("/api/predict", data={"picture": "x"}).status_code == 400
    assert client.post("/api/predict", content=b"raw bytes").status_code == 400
    as_text = client.post("/api/predict", files={"image": (None, b"\x89PNG...")})  # a part with no file name
    assert as_text.status_code == 400 and as_text.json()["error"].startswith("the `image` field holds text, not a file")


def test_uploads_over_the_limit_are_refused_while_they_arrive(client):
    big = b"\0" * (MAX_UPLOAD_BYTES + 1)
    assert post(client, big).status_code == 413  # declared by Content-Length

    def chunks():  # no Content-Length: counted as it streams
        for _ in range(11):
            yield b"\0" * 2**20
    response = client.post("/api/predict", content=chunks(), headers={"content-type": "multipart/form-data; boundary=x"})
    assert response.status_code == 413 and "larger than 10 MB" in response.json()["error"]


def test_nothing_a_client_sends_is_written_to_disk(client, monkeypatch):
    def no_disk(*args, **kwargs):
        raise AssertionError("an upload was written to a temporary file")
    monkeypatch.setattr(tempfile, "TemporaryFile", no_disk)
    monkeypatch.setattr(tempfile, "NamedTemporaryFile", no_disk)
    noisy = np.random.default_rng(0).integers(0, 255, (1500, 1500), dtype=np.uint8)  # a 2+ MB PNG
    noisy[500:1000, 700:760] = 0
    data = png(noisy)
    assert len(data) > 2 * 2**20
    assert post(client, data).status_code in (200, 422)


def test_the_docs_pages_are_off_since_they_load_a_cdn(client):
    assert client.get("/docs").status_code == 404


def test_serve_with_a_missing_model_is_one_line_before_listening(run_cli, tmp_path):
    status, out, err = run_cli("serve", "--model", str(tmp_path / "none.tflite"), "--port", "0")  # 0: any free port
    assert status == 1 and out == ""
    assert err == f"digits: error: {tmp_path / 'none.tflite'}: no trained model; run `dvc repro` in the project first, or pass --model PATH\n"


def test_serve_needs_at_least_one_worker(run_cli, model_path):  # noqa: F811
    status, out, err = run_cli("serve", "--model", model_path, "--workers", "0")
    assert status == 1 and out == ""
    assert err == "digits: error: --workers 0: expected 1 or more\n"


def test_serve_where_it_cannot_listen_is_one_line_before_starting(run_cli, model_path):  # noqa: F811
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        status, out, err = run_cli("serve", "--model", model_path, "--port", str(port))
    assert status == 1 and out == ""
    assert err == f"digits: error: 127.0.0.1:{port}: cannot listen there (Address already in use); choose another --port\n"
    status, out, err = run_cli("serve", "--model", model_path, "--port", "99999")
    assert status == 1 and err == "digits: error: --port 99999: expected 0 to 65535\n"


def test_images_are_read_by_worker_processes_that_stop_with_the_server(model_path):  # noqa: F811
    before = set(multiprocessing.active_children())
    with TestClient(create_app(model_path, workers=2)) as client:  # `with`: the app's start and stop run
        workers = set(multiprocessing.active_children()) - before
        records = [post(client, png(photo_of_digit(7))).json() for _ in range(4)]
        assert len(workers) == 2 and all(worker.is_alive() for worker in workers)
    assert all(record["digit"] in range(10) and record["answer"] for record in records)
    assert not any(worker.is_alive() for worker in workers)


def test_a_reader_that_dies_fails_one_request_and_the_server_goes_on(model_path):  # noqa: F811
    before = set(multiprocessing.active_children())
    with TestClient(create_app(model_path, workers=1)) as client:
        (reader,) = set(multiprocessing.active_children()) - before
        reader.kill()  # as the kernel's OOM killer, or a crash inside OpenCV, would
        reader.join(timeout=10)
        failed = post(client, png(photo_of_digit(7)))
        answered = post(client, png(photo_of_digit(7)))
    assert failed.status_code == 500 and "stopped unexpectedly" in failed.json()["error"]
    assert answered.status_code == 200 and answered.json()["digit"] in range(10)


def test_serve_warns_off_this_machine_and_stops_cleanly_on_ctrl_c(model_path):  # noqa: F811
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "digits.cli", "serve", "--model", model_path,
                               "--host", "0.0.0.0", "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert server.stdout.readline() == f"digits serve: http://0.0.0.0:{port}/ (model {model_path}; Ctrl-C stops)\n"
    deadline = time.monotonic() + 30
    while True:  # listening?
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=5) as response:
                assert json.load(response)["status"] == "ok"
            break
        except OSError:
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
    server.send_signal(signal.SIGINT)
    _, err = server.communicate(timeout=30)
    assert server.returncode == 0 and "Traceback" not in err
    assert err.startswith("digits serve: warning: listening on 0.0.0.0: other machines can send images to it\n")
