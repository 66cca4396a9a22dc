"""Sentence embeddings, offline on the CPU: all-MiniLM-L6-v2 as an int8 ONNX file, run with ``onnxruntime``.

Needs the optional ``semantic`` extra (``pip install -e ".[semantic]"``) and the model's files, downloaded once by
``python -m bot models fetch`` into ``MODEL_DIR`` (``bot.runtime.model_files``: pinned by revision and sha256, and
checked again at every load). The bot runs it in a worker process of its own (``bot.runtime.similar``), never in the
bot's process: the model costs memory, and embedding costs CPU time that must not hold the bot's interpreter.
The pipeline is sentence-transformers' for this model: WordPiece tokens (at most 256), mean pooling over the tokens,
L2 normalisation — so the cosine similarity of two vectors is their dot product.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.connection
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np
import numpy.typing as npt
import onnxruntime
from tokenizers import Tokenizer

from bot.runtime.model_files import ModelFileError, ModelFiles

DIMENSION = 384
MAX_TOKENS = 256

Vector = npt.NDArray[np.float32]
K = TypeVar("K")


class Embedder:
    """The model and its tokenizer, loaded once from ``files`` (each checked against its sha256 first, else
    :class:`~bot.runtime.model_files.ModelFileError`); :meth:`embed` may be called from several threads at once."""

    def __init__(self, files: ModelFiles, *, threads: int = 1) -> None:
        model, tokenizer = files.model.verified(), files.tokenizer.verified()
        self.tokenizer = Tokenizer.from_file(str(tokenizer))
        self.tokenizer.no_padding()  # one text at a time: no padding to strip from the mean
        self.tokenizer.enable_truncation(MAX_TOKENS)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = options.inter_op_num_threads = threads
        options.log_severity_level = 3  # warnings about the int8 graph are not ours to fix
        self.session = onnxruntime.InferenceSession(
            str(model), sess_options=options, providers=["CPUExecutionProvider"]
        )

    def embed(self, text: str) -> Vector:
        """The unit-length embedding of ``text``."""
        encoding = self.tokenizer.encode(text)
        ids = np.array([encoding.ids], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}
        tokens = self.session.run(None, feeds)[0][0]
        mean = tokens.mean(axis=0)
        return np.asarray(mean / max(float(np.linalg.norm(mean)), 1e-12), dtype=np.float32)


def to_bytes(vector: Vector) -> bytes:
    """A vector as stored: little-endian float32."""
    return np.asarray(vector, dtype="<f4").tobytes()


def from_bytes(data: bytes) -> Vector:
    return np.frombuffer(data, dtype="<f4").astype(np.float32)


def ranked(query: Vector, stored: Sequence[tuple[K, bytes]]) -> list[tuple[K, float]]:
    """``stored`` (key, vector bytes) paired with their cosine similarity to ``query``, most similar first; vectors of
    another length (another model's) are left out."""
    usable = [(key, data) for key, data in stored if len(data) == DIMENSION * 4]
    if not usable:
        return []
    matrix = np.frombuffer(b"".join(data for _, data in usable), dtype="<f4").reshape(len(usable), DIMENSION)
    scores = matrix @ query
    order = np.argsort(-scores, kind="stable")
    return [(usable[i][0], float(scores[i])) for i in order]


# ----- the embedding process: ``bot.runtime.similar`` runs these in one worker process of its own ---------------------

_embedder: list[Embedder | None] = []
_unavailable: list[str] = []


def start_worker(niceness: int, files: ModelFiles) -> None:
    """Initialise the worker process: lower its priority by ``niceness`` and load the model from ``files`` (``None``
    when a file is missing or not the pinned one: :func:`unavailable` says which). Nothing is downloaded: the
    Hugging Face hub client that ``tokenizers`` brings is told to stay offline too."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    _exit_with_parent()
    with contextlib.suppress(AttributeError, OSError):  # where nice is missing or refused, it runs at normal priority
        os.nice(niceness)
    try:
        _embedder.append(Embedder(files))
    except ModelFileError as refused:
        _unavailable.append(str(refused))
        _embedder.append(None)


def _exit_with_parent() -> None:
    """End this worker as soon as the bot process that started it ends, however it ends (``kill -9`` included): an
    orphaned worker would keep the model in memory and the bot's standard error open for ever."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def ready() -> bool:
    """Whether the worker has a model."""
    return _embedder[0] is not None


def unavailable() -> str | None:
    """Why the worker has no model, in one line naming the file; ``None`` when it has one."""
    return _unavailable[0] if _unavailable else None


def compare(text: str, others: Sequence[tuple[K, str, bytes | None]], fill: int) -> Compared[K] | None:
    """In the worker: the vector of ``text``, the vectors of up to ``fill`` of ``others`` stored without one (or with
    another model's), and ``others`` ranked by similarity to ``text``, most similar first (those still without a
    vector left out). ``None`` without a model."""
    model = _embedder[0]
    if model is None:
        return None
    vector = model.embed(text)
    missing = [key for key, _, data in others if not data or len(data) != DIMENSION * 4][:fill]
    texts = {key: other for key, other, _ in others}
    made = {key: to_bytes(model.embed(texts[key])) for key in missing}
    stored = [(key, made.get(key, data or b"")) for key, _, data in others]
    return Compared(to_bytes(vector), made, ranked(vector, stored))


def nearest_earlier(texts: Sequence[str], authors: Sequence[object]) -> list[int | None] | None:
    """In the worker: for each text, the index of the most similar earlier text by another author (``None`` for the
    first, or when every earlier one is the same author's). ``None`` without a model."""
    model = _embedder[0]
    if model is None:
        return None
    vectors = [to_bytes(model.embed(text)) for text in texts]
    nearest: list[int | None] = []
    for index, vector in enumerate(vectors):
        earlier = [(other, vectors[other]) for other in range(index) if authors[other] != authors[index]]
        ranking = ranked(from_bytes(vector), earlier)
        nearest.append(ranking[0][0] if ranking else None)
    return nearest


@dataclass(frozen=True, slots=True)
class Compared(Generic[K]):
    """What :func:`compare` found."""

    vector: bytes
    made: dict[K, bytes]
    ranking: list[tuple[K, float]]
