"""Running the real bot in this process against a local Discord-compatible server (tests, demo, benchmarks)."""

from __future__ import annotations

import asyncio

from bot.client import DebateBot
from bot.config import Settings
from bot.db import Database
from bot.runtime.endpoints import use_endpoints
from bot.runtime.model_files import ModelFiles
from bot.runtime.scheduler import Clock
from sim import DiscordSim

READY_TIMEOUT = 15.0


class LocalBot:
    """Starts and stops a :class:`DebateBot` connected to ``sim``; a restart keeps the database and the world.
    Similar-record hints are off unless ``similar_records``: they would add messages to every conversation; they use
    the model ``model_files`` (default: the official files in ``MODEL_DIR``). The commands are synced globally unless
    ``sync_guild_id`` is set (it may change between restarts). ``settings``: any other settings by name
    (``llm_base_url=…``)."""

    def __init__(
        self,
        sim: DiscordSim,
        db: Database,
        clock: Clock | None = None,
        *,
        similar_records: bool = False,
        model_files: ModelFiles | None = None,
        **settings: object,
    ) -> None:
        self.settings = settings
        self.sim = sim
        self.db = db
        self.clock = clock
        self.similar_records = similar_records
        self.model_files = model_files
        self.sync_guild_id: int | None = None
        self.bot: DebateBot | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> DebateBot:
        """Connect a fresh bot and wait until it is ready (its commands synced, its guilds received)."""
        use_endpoints(self.sim.api_base, self.sim.gateway_url)
        settings = Settings(
            database_url=self.db.url.render_as_string(hide_password=False),
            discord_api_base=self.sim.api_base,
            discord_gateway_url=self.sim.gateway_url,
            similar_records=self.similar_records,
            sync_guild_id=self.sync_guild_id,
            **self.settings,  # type: ignore[arg-type]
        )
        bot = DebateBot(settings, self.db, clock=self.clock, model_files=self.model_files, guild_ready_timeout=0.05)
        task = asyncio.create_task(bot.start(self.sim.token))
        ready = asyncio.create_task(bot.wait_until_ready())
        done, _ = await asyncio.wait({ready, task}, timeout=READY_TIMEOUT, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            ready.cancel()
            task.result()  # raises whatever stopped the bot
        if ready not in done:
            ready.cancel()
            await bot.close()
            raise TimeoutError(f"the bot was not ready within {READY_TIMEOUT:.0f} s")
        self.bot, self._task = bot, task
        return bot

    async def stop(self) -> None:
        """Close the bot's connection and wait for it to end."""
        if self.bot is not None and self._task is not None:
            await self.bot.close()
            await self._task
        self.bot, self._task = None, None

    async def restart(self) -> DebateBot:
        await self.stop()
        return await self.start()

    async def __aenter__(self) -> DebateBot:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
