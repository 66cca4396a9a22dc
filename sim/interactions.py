"""Interactions the simulator sent, how the bot answered them, and what a test gets back."""

from __future__ import annotations

from dataclasses import dataclass, field

from .constants import ATTACHMENT_SIZE_LIMIT, CallbackType, InteractionType, MessageFlags
from .models import JSON, SimAttachment, SimChannel, SimMember, SimMessage, SimUser, visible_text
from .world import Notifier

_FINAL_CALLBACKS = frozenset(
    {CallbackType.CHANNEL_MESSAGE, CallbackType.UPDATE_MESSAGE, CallbackType.AUTOCOMPLETE_RESULT, CallbackType.MODAL}
)

#: How often a user waiting on one interaction re-checks without being woken (for a change made another way).
RECHECK = 0.1


@dataclass(eq=False)
class InteractionRecord:
    """One interaction: who did what where, and everything the bot answered through callback and webhook."""

    id: int
    token: str
    type: InteractionType
    channel: SimChannel
    user: SimUser
    name: str
    created_at: float
    request_mark: int
    source_message: SimMessage | None = None
    command_type: int | None = None
    callback_type: int | None = None
    callback_data: JSON = field(default_factory=dict)
    original: SimMessage | None = None
    followups: list[SimMessage] = field(default_factory=list)
    edited: bool = False
    #: Changes to this interaction alone, for a lean world's waiting user (a full world uses the world's notifier).
    changes: Notifier = field(default_factory=lambda: Notifier(poll=RECHECK), repr=False)

    def changed(self) -> None:
        """The bot answered, edited or deleted: wake whoever waits on ``changes``."""
        self.changes.notify()

    @property
    def answered(self) -> bool:
        """Whether the user sees a final answer (a deferral counts once filled in, edited or followed up)."""
        if self.callback_type in _FINAL_CALLBACKS:
            return True
        if self.callback_type == CallbackType.DEFERRED_CHANNEL_MESSAGE:
            original = self.original
            filled = original is not None and not original.deleted and not original.loading  # deleted: nothing seen
            return filled or bool(self.followups)
        if self.callback_type == CallbackType.DEFERRED_UPDATE_MESSAGE:
            return self.edited or bool(self.followups)
        return False

    def metadata(self) -> JSON:
        """``interaction_metadata`` for messages answering this interaction."""
        return {
            "id": str(self.id),
            "type": int(self.type),
            "user": self.user.to_payload(),
            "authorizing_integration_owners": {"0": str(self.channel.guild_id)} if self.channel.guild_id else {},
            "name": self.name,
        }


@dataclass
class InteractionResult:
    """What the user saw in answer to an interaction; ``message`` and ``followups`` stay live as the bot edits."""

    type: int
    original: SimMessage | None = None
    followups: list[SimMessage] = field(default_factory=list)
    modal: JSON | None = None
    choices: list[JSON] = field(default_factory=list)

    @property
    def message(self) -> SimMessage | None:
        """The message the user sees as the answer: the original response or, once the bot deleted it (a "thinking…"
        placeholder it removed), the first follow-up."""
        if self.original is not None and self.original.deleted and self.followups:
            return self.followups[0]
        return self.original

    @property
    def ephemeral(self) -> bool:
        """Whether the answer is only visible to the invoking user."""
        return self.message is not None and self.message.ephemeral

    @property
    def content(self) -> str | None:
        """The answer's content."""
        return self.message.content if self.message is not None else None

    @property
    def embeds(self) -> list[JSON]:
        """The answer's embeds."""
        return self.message.embeds if self.message is not None else []

    @property
    def components(self) -> list[JSON]:
        """The answer's components."""
        return self.message.components if self.message is not None else []

    @property
    def attachments(self) -> list[SimAttachment]:
        """The answer's files (``filename`` and ``data`` bytes)."""
        return self.message.attachments if self.message is not None else []

    @property
    def allowed_mentions(self) -> JSON | None:
        """``allowed_mentions`` exactly as the bot sent it."""
        return self.message.allowed_mentions if self.message is not None else None

    @property
    def text(self) -> str:
        """Content plus embed text of the answer and every follow-up."""
        answer = self.message
        parts = [visible_text(self.content, self.embeds)]
        parts += [followup.text for followup in self.followups if followup is not answer]
        return "\n".join(part for part in parts if part)

    @classmethod
    def from_record(cls, record: InteractionRecord) -> InteractionResult:
        """The result of an answered interaction."""
        data = record.callback_data
        return cls(
            type=record.callback_type or 0,
            original=record.original,
            followups=record.followups,
            modal=data if record.callback_type == CallbackType.MODAL else None,
            choices=data.get("choices", []) if record.callback_type == CallbackType.AUTOCOMPLETE_RESULT else [],
        )


def interaction_payload(
    record: InteractionRecord,
    application_id: int,
    data: JSON,
    member: SimMember | None,
    app_permissions: int,
    member_permissions: int = 0,
) -> JSON:
    """INTERACTION_CREATE as Discord sends it (guild: ``member``, with ``member_permissions`` in the channel; DM:
    ``user``); ``app_permissions`` are the bot's in the channel."""
    channel = record.channel
    payload: JSON = {
        "id": str(record.id),
        "application_id": str(application_id),
        "type": int(record.type),
        "token": record.token,
        "version": 1,
        "channel_id": str(channel.id),
        "channel": channel.to_payload(),
        "data": data,
        "locale": "en-US",
        "entitlements": [],
        "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
        "app_permissions": str(app_permissions),
    }
    if member is not None:
        payload["channel"]["permissions"] = str(member_permissions)
        payload |= {
            "guild_id": str(channel.guild_id),
            "guild": {"id": str(channel.guild_id), "locale": "en-US", "features": []},
            "guild_locale": "en-US",
            "member": member.to_payload(with_permissions=True) | {"permissions": str(member_permissions)},
            "authorizing_integration_owners": {"0": str(channel.guild_id)},
            "context": 0,
        }
    else:
        payload |= {"user": record.user.to_payload(), "authorizing_integration_owners": {"0": "0"}, "context": 1}
    if record.source_message is not None:
        payload["message"] = record.source_message.to_payload()
    return payload


def response_body(record: InteractionRecord, message: SimMessage | None) -> JSON:
    """The ``with_response`` callback body discord.py ≥ 2.5 needs."""
    interaction: JSON = {
        "id": str(record.id),
        "type": int(record.type),
        "response_message_loading": record.callback_type == CallbackType.DEFERRED_CHANNEL_MESSAGE,
        "response_message_ephemeral": bool(message and message.flags & MessageFlags.EPHEMERAL),
    }
    body: JSON = {"interaction": interaction}
    if message is not None:
        interaction["response_message_id"] = str(message.id)
        body["resource"] = {"type": record.callback_type, "message": message.to_payload()}
    return body
