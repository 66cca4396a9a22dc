"""Interaction callbacks and the interaction webhook (follow-ups, ``@original`` edits)."""

from __future__ import annotations

import asyncio
from typing import Any

from .api import Call, bad_request, check_message_body, invalid_form, unknown
from .constants import (
    ALLOWED_CALLBACKS,
    INTERACTION_RESPONSE_DEADLINE,
    CallbackType,
    CommandType,
    MessageFlags,
    MessageType,
)
from .interactions import InteractionRecord, response_body
from .limits import FormError, check_choices, check_modal
from .models import JSON, SimChannel, SimMessage
from .world import World


class InteractionRoutes:
    """Handlers for ``/interactions/{id}/{token}/callback`` and ``/webhooks/{app}/{token}…``."""

    def __init__(self, world: World) -> None:
        self.world = world

    # ----- callback -----------------------------------------------------------------------------------------

    async def callback(self, call: Call) -> Any:
        """Answer an interaction once, within 3 s, with a callback type valid for its interaction type."""
        record = self.world.interactions.get(call.int_param("interaction_id", "Interaction"))
        if record is None or record.token != call.param("token"):
            raise unknown("Interaction")
        if record.callback_type is not None:
            raise bad_request(40060, "Interaction has already been acknowledged.")
        if asyncio.get_running_loop().time() - record.created_at > INTERACTION_RESPONSE_DEADLINE:
            raise unknown("Interaction")
        kind = call.json.get("type")
        if kind not in ALLOWED_CALLBACKS[record.type]:
            error = FormError(("type",), "INTERACTION_CALLBACK_TYPE_INVALID", f"Invalid callback type {kind}")
            raise invalid_form([error])
        data: JSON = call.json.get("data") or {}
        message = self._apply_callback(record, CallbackType(kind), data, call)
        record.callback_type = kind
        record.callback_data = data
        record.changed()
        self.world.notifier.notify()
        return response_body(record, message) if call.query.get("with_response") in ("1", "true", "True") else None

    def _apply_callback(
        self, record: InteractionRecord, kind: CallbackType, data: JSON, call: Call
    ) -> SimMessage | None:
        if kind == CallbackType.CHANNEL_MESSAGE:
            check_message_body(data, call.uploads, creating=True)
            record.original = self._respond(record, data, call)
        elif kind == CallbackType.DEFERRED_CHANNEL_MESSAGE:
            flags = MessageFlags.LOADING | (int(data.get("flags") or 0) & MessageFlags.EPHEMERAL)
            record.original = self._respond(record, {}, call, flags=flags)
        elif kind in (CallbackType.DEFERRED_UPDATE_MESSAGE, CallbackType.UPDATE_MESSAGE):
            record.original = record.source_message
            if kind == CallbackType.UPDATE_MESSAGE:
                self._update_source(record, data, call)
        elif kind == CallbackType.AUTOCOMPLETE_RESULT:
            self._check(check_choices(data.get("choices") or []))
        elif kind == CallbackType.MODAL:
            self._check(check_modal(data))
        return record.original

    def _update_source(self, record: InteractionRecord, data: JSON, call: Call) -> None:
        source = record.source_message
        if source is None:
            raise bad_request(50035, "This interaction has no message to update")
        check_message_body(data, call.uploads, creating=False)
        self.world.edit_message(source, data, call.attachments(self.world, source.channel_id))
        record.edited = True

    def _respond(self, record: InteractionRecord, data: JSON, call: Call, *, flags: int = 0) -> SimMessage:
        kind = MessageType.DEFAULT
        if record.command_type == CommandType.CHAT_INPUT:
            kind = MessageType.CHAT_INPUT_COMMAND
        elif record.command_type is not None:
            kind = MessageType.CONTEXT_MENU_COMMAND
        return self.world.add_message(
            record.channel,
            self.world.bot_user,
            data,
            call.attachments(self.world, record.channel.id),
            flags=flags,
            type=kind,
            webhook_id=self.world.application_id,
            application_id=self.world.application_id,
            interaction_metadata=record.metadata(),
        )

    @staticmethod
    def _check(errors: list[FormError]) -> None:
        if errors:
            raise invalid_form(errors)

    # ----- webhook ------------------------------------------------------------------------------------------

    async def execute(self, call: Call) -> Any:
        """A follow-up; after a deferral the first one fills in the "thinking…" message, as on Discord."""
        record = self._record(call)
        body = call.json
        original = record.original
        if (
            record.callback_type == CallbackType.DEFERRED_CHANNEL_MESSAGE
            and original
            and original.loading
            and not original.deleted
        ):
            check_message_body(body, call.uploads, creating=True)
            message = self.world.edit_message(original, body, call.attachments(self.world, original.channel_id))
        else:
            message = self._followup(record, body, call)
        record.changed()
        return message.to_payload() if call.query.get("wait") in ("1", "true", "True") else None

    def _followup(self, record: InteractionRecord, body: JSON, call: Call) -> SimMessage:
        check_message_body(body, call.uploads, creating=True)
        channel = self._target_channel(record, call)
        message = self.world.add_message(
            channel,
            self.world.bot_user,
            body,
            call.attachments(self.world, channel.id),
            webhook_id=self.world.application_id,
            application_id=self.world.application_id,
            interaction_metadata=record.metadata(),
        )
        record.followups.append(message)
        return message

    async def get_message(self, call: Call) -> Any:
        """GET …/messages/@original or a follow-up."""
        return self._message(self._record(call), call).to_payload()

    async def edit_message(self, call: Call) -> Any:
        """PATCH …/messages/@original or a follow-up."""
        record = self._record(call)
        message = self._message(record, call)
        check_message_body(call.json, call.uploads, creating=False)
        self.world.edit_message(message, call.json, call.attachments(self.world, message.channel_id))
        record.edited = True
        record.changed()
        return message.to_payload()

    async def delete_message(self, call: Call) -> None:
        """DELETE …/messages/@original or a follow-up."""
        record = self._record(call)
        self.world.delete_message(self._message(record, call))
        record.changed()

    def _record(self, call: Call) -> InteractionRecord:
        if call.param("application_id") != str(self.world.application_id):
            raise unknown("Webhook")
        record = self.world.interactions_by_token.get(call.param("token"))
        if record is None or record.callback_type is None:
            raise unknown("Webhook")
        return record

    def _message(self, record: InteractionRecord, call: Call) -> SimMessage:
        wanted = call.param("message_id")
        candidates = [record.original] if wanted == "@original" else [record.original, *record.followups]
        for message in candidates:
            if message is not None and not message.deleted and wanted in ("@original", str(message.id)):
                return message
        raise unknown("Message")

    def _target_channel(self, record: InteractionRecord, call: Call) -> SimChannel:
        thread_id = call.query.get("thread_id")
        if thread_id is None:
            return record.channel
        channel = self.world.channels.get(int(thread_id)) if thread_id.isdigit() else None
        if channel is None:
            raise unknown("Channel")
        return channel
