"""A loopback stand-in for an OpenAI-compatible endpoint (``POST /v1/chat/completions``), for tests without a model.

Its answers are recorded beforehand and keyed by the request: the first key found in the request's last user message
picks the reply (a debate's topic names its scene). Every request received is kept, so that a test can check what
left the bot. A reply is an answer (JSON or raw text), a refusal, an HTTP error (429, 400, 500), or a delay longer
than the bot's timeout."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass(frozen=True)
class Reply:
    """What the stand-in answers: ``content`` (a JSON-able object is sent as JSON text), or ``refusal``, or an
    error ``status``; after ``delay`` seconds. ``refuse_schema``: a 400 to any request carrying ``response_format``
    (an endpoint without structured output)."""

    content: object = None
    refusal: str | None = None
    status: int = 200
    delay: float = 0.0
    refuse_schema: bool = False


@dataclass
class LlmStub:
    replies: dict[str, list[Reply]] = field(default_factory=dict)
    requests: list[dict[str, Any]] = field(default_factory=list)
    base_url: str = ""

    def record(self, key: str, *replies: Reply) -> None:
        """Answer requests whose last user message contains ``key`` with ``replies`` in turn (the last repeats)."""
        self.replies[key] = list(replies)

    async def _completions(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append(body)
        reply = self._reply_for(body)
        await asyncio.sleep(reply.delay)
        if reply.refuse_schema and "response_format" in body:
            return web.json_response({"error": {"message": "response_format is not supported"}}, status=400)
        if reply.status != 200:
            return web.json_response({"error": {"message": f"stub error {reply.status}"}}, status=reply.status)
        content = (
            reply.content if isinstance(reply.content, str) or reply.content is None else json.dumps(reply.content)
        )
        message = {"role": "assistant", "content": None if reply.refusal else content, "refusal": reply.refusal}
        return web.json_response(
            {
                "id": f"stub-{len(self.requests)}",
                "object": "chat.completion",
                "created": 0,
                "model": body.get("model", ""),
                "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
            }
        )

    def _reply_for(self, body: dict[str, Any]) -> Reply:
        last_user = next(m["content"] for m in reversed(body["messages"]) if m["role"] == "user")
        first_user = next(m["content"] for m in body["messages"] if m["role"] == "user")
        for key, replies in self.replies.items():
            if key in first_user:
                turn = sum(1 for seen in self.requests if _first_user(seen) == first_user) - 1
                return replies[min(turn, len(replies) - 1)]
        raise AssertionError(f"no recorded answer for {last_user[:200]!r}")


def _first_user(body: dict[str, Any]) -> str:
    return str(next(m["content"] for m in body["messages"] if m["role"] == "user"))


@asynccontextmanager
async def llm_stub() -> AsyncIterator[LlmStub]:
    """A running stand-in on 127.0.0.1 (a free port), its ``base_url`` ending in ``/v1``."""
    stub = LlmStub()
    app = web.Application()
    app.router.add_post("/v1/chat/completions", stub._completions)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    stub.base_url = f"http://127.0.0.1:{port}/v1"
    try:
        yield stub
    finally:
        await runner.cleanup()
