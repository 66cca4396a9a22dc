"""Plumbing shared by the REST handlers: the parsed request, Discord-shaped errors and JSON responses."""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass, field
from typing import Any

from aiohttp import BodyPartReader, web

from . import jsoncodec
from .limits import FormError, check_message, form_error_body
from .models import JSON, SimAttachment
from .world import World

API_PREFIX = "/api/v10"

_UNKNOWN_CODES = {
    "Application": 10002,
    "Channel": 10003,
    "Guild": 10004,
    "Member": 10007,
    "Message": 10008,
    "User": 10013,
    "Webhook": 10015,
    "Interaction": 10062,
}


def json_response(status: int, data: Any, headers: dict[str, str] | None = None) -> web.Response:
    """A JSON response with exactly ``Content-Type: application/json`` (discord.py compares the header verbatim)."""
    return web.Response(
        status=status, body=jsoncodec.dump_bytes(data), headers={"Content-Type": "application/json", **(headers or {})}
    )


class ApiError(Exception):
    """An error response; ``injected`` marks faults a test asked for (not counted in ``sim.errors``)."""

    def __init__(
        self, status: int, body: JSON, *, headers: dict[str, str] | None = None, injected: bool = False
    ) -> None:
        super().__init__(f"{status} {body.get('message')}")
        self.status = status
        self.body = body
        self.headers = headers or {}
        self.injected = injected

    def response(self) -> web.Response:
        """As an aiohttp response."""
        return json_response(self.status, self.body, self.headers)


def unknown(kind: str) -> ApiError:
    """Discord's 404 for a missing object, e.g. ``unknown("Channel")`` → code 10003."""
    return ApiError(404, {"message": f"Unknown {kind}", "code": _UNKNOWN_CODES[kind]})


def invalid_form(errors: list[FormError]) -> ApiError:
    """Discord's 400 50035 Invalid Form Body."""
    return ApiError(400, form_error_body(errors))


def bad_request(code: int, message: str) -> ApiError:
    """A plain 400 with a Discord error code."""
    return ApiError(400, {"message": message, "code": code})


@dataclass
class Upload:
    """A ``files[n]`` part of a multipart request."""

    filename: str
    data: bytes
    content_type: str | None


@dataclass
class Call:
    """A parsed REST request: JSON body (or ``payload_json``), uploads, path parameters and query."""

    request: web.Request
    body: Any
    uploads: list[Upload] = field(default_factory=list)

    def param(self, name: str) -> str:
        """A path parameter."""
        return self.request.match_info[name]

    def int_param(self, name: str, kind: str) -> int:
        """A snowflake path parameter; a non-number is "Unknown <kind>"."""
        try:
            return int(self.param(name))
        except ValueError:
            raise unknown(kind) from None

    @property
    def query(self) -> dict[str, str]:
        """Query parameters."""
        return dict(self.request.query)

    @property
    def json(self) -> JSON:
        """The body as an object ({} when absent)."""
        return self.body if isinstance(self.body, dict) else {}

    def attachments(self, world: World, channel_id: int) -> list[SimAttachment]:
        """The uploads as new attachments of a message in ``channel_id``."""
        return [world.new_attachment(channel_id, up.filename, up.data, up.content_type) for up in self.uploads]


async def read_call(request: web.Request) -> Call:
    """Parse a JSON or multipart (``payload_json`` + ``files[n]``) body."""
    if request.content_type.startswith("multipart/"):
        body: Any = None
        uploads = []
        reader = await request.multipart()
        async for part in reader:
            if not isinstance(part, BodyPartReader):
                continue
            data = await part.read()
            if part.name == "payload_json":
                body = jsoncodec.loads(data)
            elif part.filename:
                guessed = mimetypes.guess_type(part.filename)[0]
                uploads.append(Upload(part.filename, bytes(data), guessed))
        return Call(request, body, uploads)
    raw = await request.read()
    return Call(request, jsoncodec.loads(raw) if raw else None)


def check_message_body(body: JSON, uploads: list[Upload], *, creating: bool) -> None:
    """Raise Discord's 400 for a message body over the limits, or an empty new message."""
    errors = check_message(body)
    if errors:
        raise invalid_form(errors)
    has_something = any(body.get(key) for key in ("content", "embeds", "components", "sticker_ids", "poll"))
    if creating and not has_something and not uploads:
        raise bad_request(50006, "Cannot send an empty message")
