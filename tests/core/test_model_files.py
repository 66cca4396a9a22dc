"""The model's files: checked against their pinned sha256 at every load, and fetched by ``python -m bot models fetch``
from a Hugging Face hub — here a stand-in on the loopback interface that answers as the hub does (``HEAD`` with the
commit, the ETag and the length that ``huggingface_hub``'s ``file_download.py`` reads, then ``GET``).

The stand-in serves the test fixture's bytes (``benchmarks.model_fixture``): the official files are not on this
machine. Fetched against the official pins, the fixture's model is refused, as any file that is not the official one;
fetched against the fixture's own pins, it is verified and then loads offline."""

from __future__ import annotations

import hashlib
import socket
import threading
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from benchmarks import model_fixture
from bot.cli.main import main
from bot.runtime.model_files import OFFICIAL, LocalFile, ModelFileError, ModelFiles, Publication
from bot.startup import MUST_ACT


def _one_line_naming(error: BaseException, name: str) -> str:
    text = str(error)
    assert "\n" not in text and name in text, text
    return text


def test_a_missing_file_is_one_line_naming_it_and_the_command_that_fetches_it(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError) as refused:
        OFFICIAL.files(tmp_path).model.verified()
    text = _one_line_naming(refused.value, str(tmp_path / "onnx" / "model_qint8_avx512.onnx"))
    assert "is missing" in text and "python -m bot models fetch" in text


def test_a_file_changed_by_one_byte_or_cut_short_is_refused_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "tokenizer.json"
    path.write_bytes(b'{"version": "1.0"}')
    pinned = LocalFile(path, 18, hashlib.sha256(b'{"version": "1.0"}').hexdigest())
    assert pinned.verified() == path
    for changed, difference in ((b'{"version": "1.1"}', "(it has 97b09d6dfe17…)"), (b'{"version"', "(it has 10 bytes")):
        path.write_bytes(changed)
        with pytest.raises(ModelFileError) as refused:
            pinned.verified()
        text = _one_line_naming(refused.value, str(path))
        assert "does not match its pinned sha256" in text and difference in text


# ----- fetching from a stand-in hub -------------------------------------------------------------------------------


class StandInHub:
    """Serves ``files`` (path in the repository → bytes) of ``publication``'s repository at its revision, as the
    hub's ``/{repo}/resolve/{revision}/{path}``: each answer carries ``X-Repo-Commit``, an ``ETag`` (the sha256, as the
    hub gives for LFS files) and ``Content-Length``. Records the paths asked for."""

    def __init__(self, publication: Publication, files: dict[str, bytes]) -> None:
        prefix = f"/{publication.repository}/resolve/{publication.revision}/"
        self.files = {prefix + path: data for path, data in files.items()}
        self.revision = publication.revision
        self.asked: list[str] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def do_HEAD(self) -> None:
                self._answer(body=False)

            def do_GET(self) -> None:
                self._answer(body=True)

            def _answer(self, *, body: bool) -> None:
                hub.asked.append(f"{self.command} {self.path}")
                data = hub.files.get(self.path)
                if data is None:
                    self.send_response(404)
                    self.send_header("X-Error-Code", "EntryNotFound")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("X-Repo-Commit", hub.revision)
                self.send_header("ETag", f'"{hashlib.sha256(data).hexdigest()}"')
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if body:
                    self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        return Handler

    def __enter__(self) -> StandInHub:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fixture(monkeypatch: pytest.MonkeyPatch) -> ModelFiles:
    """The test fixture's files, with ``huggingface_hub`` online: it reads ``HF_HUB_OFFLINE`` once, at import, and
    other tests set it while they load the model."""
    constants = pytest.importorskip(
        "huggingface_hub.constants", reason="the semantic extra is not installed (pip install -e '.[semantic]')"
    )
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    if not model_fixture.installed():
        pytest.skip(model_fixture.MISSING)
    return model_fixture.fixture_files()


def _served(fixture: ModelFiles) -> dict[str, bytes]:
    """The fixture's bytes under the official file names."""
    return {
        OFFICIAL.model.path: fixture.model.path.read_bytes(),
        OFFICIAL.tokenizer.path: fixture.tokenizer.path.read_bytes(),
    }


def _pinned_to(fixture: ModelFiles) -> Publication:
    """The official publication, with the fixture's model hash in place of the official one."""
    size = fixture.model.path.stat().st_size
    return replace(OFFICIAL, model=replace(OFFICIAL.model, sha256=fixture.model.sha256, size=size), name=fixture.name)


def test_fetch_downloads_the_pinned_files_which_then_load_offline(
    fixture: ModelFiles, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.cli.models import fetch_model

    publication = _pinned_to(fixture)
    with StandInHub(publication, _served(fixture)) as hub:
        fetched = fetch_model(tmp_path, publication, endpoint=hub.url)
        assert fetch_model(tmp_path, publication, endpoint=hub.url) == fetched  # already there: kept
    assert fetched == [tmp_path / "onnx" / "model_qint8_avx512.onnx", tmp_path / "tokenizer.json"]
    assert [path.read_bytes() for path in fetched] == list(_served(fixture).values())
    revision = OFFICIAL.revision
    assert f"GET /sentence-transformers/all-MiniLM-L6-v2/resolve/{revision}/onnx/model_qint8_avx512.onnx" in hub.asked

    semantic = pytest.importorskip("bot.runtime.semantic", reason="the semantic extra is not installed")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(socket.socket, "connect", _refused)
    monkeypatch.setattr(socket, "getaddrinfo", _refused)
    loaded = semantic.Embedder(publication.files(tmp_path))
    reference = semantic.Embedder(fixture)
    text = "Interpretability research will scale to frontier models."
    assert (loaded.embed(text) == reference.embed(text)).all()


def _refused(*args: Any, **kwargs: Any) -> None:
    raise AssertionError("the model tried to reach the network")


def test_a_tampered_download_is_removed_and_refused_in_one_line_naming_the_file(
    fixture: ModelFiles, tmp_path: Path
) -> None:
    from bot.cli.models import fetch_model

    publication = _pinned_to(fixture)
    served = _served(fixture)
    model = bytearray(served[OFFICIAL.model.path])
    model[len(model) // 2] ^= 1
    served[OFFICIAL.model.path] = bytes(model)
    with StandInHub(publication, served) as hub, pytest.raises(ModelFileError) as refused:
        fetch_model(tmp_path, publication, endpoint=hub.url)
    text = _one_line_naming(refused.value, "onnx/model_qint8_avx512.onnx")
    assert "does not match its pinned sha256" in text
    assert not (tmp_path / "onnx" / "model_qint8_avx512.onnx").exists()


def test_the_command_refuses_any_model_but_the_official_one_in_one_line(
    fixture: ModelFiles, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with StandInHub(OFFICIAL, _served(fixture)) as hub:
        status = main(["models", "fetch", "--dir", str(tmp_path), "--endpoint", hub.url])
    assert status == MUST_ACT
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error == (
        "error: the download of onnx/model_qint8_avx512.onnx does not match its pinned sha256 4278337fd0ff…: "
        f"removed {tmp_path / 'onnx' / 'model_qint8_avx512.onnx'}"
    )
