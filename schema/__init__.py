"""Tables and value types. Importing this package registers every table on ``SQLModel.metadata``."""

from schema.tables import (
    Agenda,
    Claim,
    ClaimRevision,
    CommandSync,
    Credence,
    Crux,
    CruxClaim,
    Debate,
    GuildState,
    Participant,
    Side,
)
from schema.types import ClaimKind, ClaimStatus, CruxStatus, DebateFormat, DebateStatus, id_of, utcnow

__all__ = [
    "Agenda",
    "Claim",
    "ClaimKind",
    "ClaimRevision",
    "ClaimStatus",
    "CommandSync",
    "Credence",
    "Crux",
    "CruxClaim",
    "CruxStatus",
    "Debate",
    "DebateFormat",
    "DebateStatus",
    "GuildState",
    "Participant",
    "Side",
    "id_of",
    "utcnow",
]
