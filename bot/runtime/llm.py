"""The language model at run time: one client for the operator's OpenAI-compatible endpoint (``LLM_BASE_URL``,
``LLM_MODEL``, ``LLM_API_KEY``), asked asynchronously — the event loop never waits on it — under a timeout, a
per-server daily limit and a cap on requests in flight, so that a slow, failing or busy (429) endpoint answers its
own caller with a plain message and delays nothing else.

Without both settings no client is made and nothing is ever sent (the ``openai`` package is not even imported).
An answer is asked for as JSON following the prompt's schema (``response_format`` ``json_schema``); an endpoint that
refuses that parameter is asked again without it, and from then on without it. An answer that does not parse gets
one repair request (the error and the answer sent back); a second failure is dropped with its reason."""

from __future__ import annotations

import asyncio
import importlib.util
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel

from bot.config import Settings
from bot.core.importing.drafts import Draft
from bot.core.suggest.answers import MalformedAnswer, ModelUnavailable, parse_answer
from bot.core.suggest.drafting import Opinions, check_opinions, draft_material
from bot.core.suggest.prompts import IMPORT_KINDS, Prompt
from bot.core.suggest.prompts.import_kinds_v1 import ImportKinds

if TYPE_CHECKING:
    from openai import AsyncOpenAI

log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)
IN_FLIGHT = 4
"""Requests one process sends at once; more are refused at once rather than queued behind a slow endpoint."""
NOT_ENABLED = (
    "Language-model help is not enabled on this bot: its operator has not set an endpoint (LLM_BASE_URL and "
    "LLM_MODEL). Nothing was sent anywhere."
)
NOT_INSTALLED = "Language-model help is set up, but the bot lacks its `llm` extra: ask the operator to install it."
REPAIR = (
    "Your answer could not be used: {reason}. Answer again with only the JSON object the instructions describe, "
    "nothing before or after it."
)


class DailyLimit:
    """How many requests each server made today (UTC), against ``limit``. Kept in memory: each server is served by
    one process (its shard), so the count is whole; a restart starts it again."""

    def __init__(self, limit: int, today: Callable[[], date] = lambda: datetime.now(UTC).date()) -> None:
        self.limit = limit
        self.today = today
        self.day = today()
        self.used: dict[int, int] = {}

    def take(self, guild_id: int) -> None:
        """Count a request of ``guild_id``, or :class:`ModelUnavailable` when its day's are used up."""
        if self.today() != self.day:
            self.day, self.used = self.today(), {}
        if self.used.get(guild_id, 0) >= self.limit:
            raise ModelUnavailable(
                f"This server has used its {self.limit} language-model requests for today (UTC); try again tomorrow."
            )
        self.used[guild_id] = self.used.get(guild_id, 0) + 1


class LanguageModel:
    """The bot's one client for the configured endpoint, or a stand-in that explains why there is none."""

    def __init__(self, settings: Settings) -> None:
        self.model = settings.llm_model or ""
        self.timeout = settings.llm_timeout_seconds
        self.budget = settings.llm_token_budget
        self.limit = DailyLimit(settings.llm_daily_limit)
        self.json_schema = True
        self.in_flight = 0
        self.unavailable: str | None = None
        self.client: AsyncOpenAI | None = None
        if not settings.llm_enabled():
            self.unavailable = NOT_ENABLED
        elif importlib.util.find_spec("openai") is None:
            self.unavailable = NOT_INSTALLED
        else:
            self.client = _client(settings)

    @property
    def enabled(self) -> bool:
        return self.client is not None

    def require(self) -> None:
        """:class:`ModelUnavailable` saying why, when there is no endpoint to ask."""
        if self.unavailable is not None:
            raise ModelUnavailable(self.unavailable)

    async def ask(self, guild_id: int, prompt: Prompt, document: str, schema: type[M]) -> M:
        """The model's answer to ``document`` under ``prompt``, read as ``schema``; :class:`ModelUnavailable` or
        :class:`MalformedAnswer` with a message for the person who asked."""
        async with self._turn(guild_id):
            messages = _messages(prompt, document)
            raw = await self._complete(messages, schema)
            try:
                return parse_answer(raw, schema)
            except MalformedAnswer as error:
                log.info("Malformed answer to %s (%s); asking once for a repair", prompt.label, error)
                repair = [*messages, {"role": "assistant", "content": raw}]
                repair.append({"role": "user", "content": REPAIR.format(reason=error)})
                return _repaired(await self._complete(repair, schema), schema)

    async def first_answer(self, guild_id: int, prompt: Prompt, document: str, schema: type[BaseModel]) -> str:
        """The model's first answer as it wrote it, unread (no repair): what ``benchmarks.llm_draft`` records."""
        async with self._turn(guild_id):
            return await self._complete(_messages(prompt, document), schema)

    @asynccontextmanager
    async def _turn(self, guild_id: int) -> AsyncIterator[None]:
        """One request's place: refused without an endpoint, with too many in flight, or past the daily limit."""
        self.require()
        if self.in_flight >= IN_FLIGHT:
            raise ModelUnavailable("The language model is busy with other requests; try again in a minute.")
        self.limit.take(guild_id)
        self.in_flight += 1
        try:
            yield
        finally:
            self.in_flight -= 1

    async def close(self) -> None:
        if self.client is not None:
            await self.client.close()

    async def _complete(self, messages: list[dict[str, str]], schema: type[BaseModel]) -> str:
        import openai

        try:
            async with asyncio.timeout(self.timeout):
                return await self._create(messages, schema)
        except (TimeoutError, openai.APITimeoutError):
            raise ModelUnavailable(
                f"The language model did not answer within {self.timeout:g} s; nothing was stored. Try again later."
            ) from None
        except openai.RateLimitError:
            raise ModelUnavailable(
                "The language model's endpoint is busy (429: too many requests); nothing was stored. Try again later."
            ) from None
        except openai.APIConnectionError:
            raise ModelUnavailable("The language model's endpoint could not be reached; nothing was stored.") from None
        except openai.APIStatusError as error:
            log.warning("The language model's endpoint answered %s", error.status_code)
            raise ModelUnavailable(
                f"The language model's endpoint answered with an error ({error.status_code}); nothing was stored."
            ) from None

    async def _create(self, messages: list[dict[str, str]], schema: type[BaseModel]) -> str:
        import openai

        assert self.client is not None
        if self.json_schema:
            try:
                return _content(await self._send(messages, _response_format(schema)))
            except openai.BadRequestError as error:
                if not _refuses_structured_output(error):
                    raise
                log.info("The endpoint refused response_format json_schema; asking without it from now on")
                self.json_schema = False
        return _content(await self._send(messages, None))

    async def _send(self, messages: list[dict[str, str]], response_format: dict[str, Any] | None) -> Any:
        assert self.client is not None
        extra: dict[str, Any] = {} if response_format is None else {"response_format": response_format}
        return await self.client.chat.completions.create(
            model=self.model,
            messages=messages,  # type: ignore[arg-type]
            temperature=0,
            **extra,
        )


async def draft_opinions(model: LanguageModel, guild_id: int, draft: Draft) -> Opinions:
    """The model's opinion of each item of an import ``draft`` (``bot.core.suggest.drafting``), checked against it;
    :class:`ModelUnavailable` or :class:`MalformedAnswer` when there is none to give."""
    material = draft_material(draft, model.budget)
    answer = await model.ask(guild_id, IMPORT_KINDS, material.document, ImportKinds)
    return check_opinions(answer, material)


def _client(settings: Settings) -> AsyncOpenAI:
    from openai import AsyncOpenAI

    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else "unused"
    return AsyncOpenAI(base_url=settings.llm_base_url, api_key=key, timeout=settings.llm_timeout_seconds, max_retries=0)


def _messages(prompt: Prompt, document: str) -> list[dict[str, str]]:
    return [{"role": "system", "content": prompt.text}, {"role": "user", "content": document}]


def _repaired(raw: str, schema: type[M]) -> M:
    """The answer to the repair request, or :class:`MalformedAnswer` saying it was dropped."""
    try:
        return parse_answer(raw, schema)
    except MalformedAnswer as error:
        raise MalformedAnswer(
            f"The language model's answer was malformed, twice ({error}): it was dropped and nothing was stored."
        ) from None


def _response_format(schema: type[BaseModel]) -> dict[str, Any]:
    return {
        "type": "json_schema",
        "json_schema": {"name": schema.__name__, "schema": schema.model_json_schema(), "strict": True},
    }


def _refuses_structured_output(error: Any) -> bool:
    """Whether a 400 is the endpoint refusing ``response_format`` (OpenAI names the parameter; other servers say it
    in the message), not the request for another reason — which is said to the user, the schema kept."""
    said = f"{getattr(error, 'param', None)} {getattr(error, 'message', '')}".lower()
    return "response_format" in said or "json_schema" in said


def _content(completion: Any) -> str:
    """The answer's text; :class:`ModelUnavailable` when the model refused or wrote nothing."""
    choice = completion.choices[0] if completion.choices else None
    message = choice.message if choice is not None else None
    if message is None or getattr(message, "refusal", None) or getattr(choice, "finish_reason", "") == "content_filter":
        raise ModelUnavailable("The language model declined to answer; nothing was stored.")
    return str(message.content or "")
