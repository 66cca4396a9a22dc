"""Chat text kept for a while: an import draft (``/debate import``) and a message waiting for its logger to pick the
claim it rebuts (Log as rebuttal) hold other people's messages for a day at most. :func:`purge_expired` deletes
what is past its day; the scheduler runs it at every wake."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CursorResult, delete
from sqlalchemy.orm import Session
from sqlmodel import col

from schema import ImportDraft, PendingRebuttal


def purge_expired(session: Session, now: datetime) -> int:
    """Delete the import drafts and pending rebuttal picks past their day; how many."""
    deleted = 0
    for model in (ImportDraft, PendingRebuttal):
        result = session.execute(delete(model).where(col(model.expires_at) <= now))
        deleted += result.rowcount if isinstance(result, CursorResult) else 0
    return deleted
