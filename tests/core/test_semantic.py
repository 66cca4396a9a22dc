"""The embedding model (``bot.runtime.semantic``, the ``semantic`` extra): loaded, each file checked against its
sha256, with the network blocked, and giving the original model's similarities. The model is the test fixture
(``benchmarks.model_fixture``, the ``test-model-fixture`` extra): the official file is not downloaded here."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from benchmarks.model_fixture import FixtureMissing, fixture_files
from bot.runtime.model_files import OFFICIAL, ModelFiles

semantic = pytest.importorskip("bot.runtime.semantic", reason="the semantic extra is not installed")

SENTENCES = (
    "Interpretability research will scale to frontier models.",
    "Mechanistic interpretability can be made to work on the largest models.",
    "Interpretability research will not scale to frontier models.",
    "Compute governance is the cheapest lever we have.",
    "The cat sat on the mat.",
)
REFERENCE = {(0, 1): 0.655, (0, 2): 0.771, (0, 3): 0.189, (0, 4): -0.016, (1, 2): 0.489, (3, 4): -0.003}
"""Cosines given by the original float32 all-MiniLM-L6-v2 (its packaged weights, mean pooling, L2 norm)."""


def _no_network(*args: Any, **kwargs: Any) -> None:
    raise AssertionError("the model tried to reach the network")


@pytest.fixture
def files() -> ModelFiles:
    try:
        return fixture_files()
    except FixtureMissing as missing:
        pytest.skip(str(missing))


@pytest.fixture
def embedder(monkeypatch: pytest.MonkeyPatch, files: ModelFiles) -> Any:
    """A freshly loaded model, with every outbound connection and name lookup refused."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(socket.socket, "connect", _no_network)
    monkeypatch.setattr(socket, "getaddrinfo", _no_network)
    return semantic.Embedder(files)


def test_similarities_match_the_original_model(embedder: Any) -> None:
    vectors = [embedder.embed(sentence) for sentence in SENTENCES]
    for (a, b), expected in REFERENCE.items():
        assert float(vectors[a] @ vectors[b]) == pytest.approx(expected, abs=0.01), SENTENCES[a]
    assert all(abs(float(vector @ vector) - 1) < 1e-5 for vector in vectors)


def test_vectors_of_the_fixture_are_stored_under_another_name_than_the_official_models(files: ModelFiles) -> None:
    assert files.name != OFFICIAL.name and files.model.sha256 != OFFICIAL.model.sha256


def test_vectors_round_trip_as_float32_bytes_and_rank_most_similar_first(embedder: Any) -> None:
    query = embedder.embed("Will interpretability scale to frontier models?")
    stored = [(n, semantic.to_bytes(embedder.embed(s))) for n, s in enumerate(SENTENCES)]
    assert all(len(data) == semantic.DIMENSION * 4 for _, data in stored)
    assert (semantic.from_bytes(stored[0][1]) == embedder.embed(SENTENCES[0])).all()
    ranked = semantic.ranked(query, [*stored, ("another model's", b"\0" * 8)])
    assert [key for key, _ in ranked][:1] == [0] and ranked[-1][0] == 4 and len(ranked) == len(SENTENCES)
