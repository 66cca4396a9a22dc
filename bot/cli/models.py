"""``python -m bot models fetch``: download the embedding model's files (``bot.runtime.model_files.OFFICIAL``) from
their Hugging Face repository, at the pinned revision, into ``MODEL_DIR``, and check each against its pinned sha256.

The only command that reaches the network for the model: the bot itself reads the files offline. Needs the
``semantic`` extra (``huggingface_hub`` downloads)."""

from __future__ import annotations

from pathlib import Path

from bot.config import SettingsError
from bot.runtime.model_files import OFFICIAL, LocalFile, ModelFileError, PinnedFile, Publication


class FetchError(Exception):
    """A file could not be downloaded; the message names it, in one line."""


def fetch_model(directory: Path, publication: Publication = OFFICIAL, *, endpoint: str | None = None) -> list[Path]:
    """Download ``publication``'s files into ``directory`` (from ``endpoint``, default the Hugging Face hub), each
    checked against its pinned sha256; their paths. A file that does not match is removed and refused with a
    :class:`ModelFileError`; a file already there and matching is not downloaded again."""
    try:
        from huggingface_hub import hf_hub_download
    except ModuleNotFoundError as missing:
        raise SettingsError("huggingface_hub is not installed: pip install -e '.[semantic]'") from missing
    fetched = []
    for pinned in (publication.model, publication.tokenizer):
        try:
            path = Path(
                hf_hub_download(
                    publication.repository,
                    pinned.path,
                    revision=publication.revision,
                    local_dir=directory,
                    endpoint=endpoint,
                )
            )
        except Exception as error:  # the client's own errors (HTTP, connection, metadata) say why on their first line
            reason = next(iter(str(error).splitlines()), type(error).__name__)
            raise FetchError(f"could not download {pinned.path} of {publication.repository}: {reason}") from error
        fetched.append(_kept_if_pinned(path, pinned))
    return fetched


def _kept_if_pinned(path: Path, pinned: PinnedFile) -> Path:
    """``path``, once its content has the pinned sha256; else it is removed and refused, naming the file."""
    try:
        return LocalFile(path, pinned.size, pinned.sha256).verified()
    except ModelFileError:
        path.unlink(missing_ok=True)
        raise ModelFileError(
            f"the download of {pinned.path} does not match its pinned sha256 {pinned.sha256[:12]}…: removed {path}"
        ) from None


def describe(paths: list[Path]) -> str:
    """What was fetched, a line per file."""
    return "\n".join(f"verified {path} ({path.stat().st_size:,} bytes, sha256 as pinned)" for path in paths)
