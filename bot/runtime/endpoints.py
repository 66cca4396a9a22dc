"""Point discord.py at a Discord-compatible server other than discord.com (the local simulator, a self-hosted one)."""

from __future__ import annotations

import discord.gateway
import discord.http
import yarl

DISCORD_API_BASE = "https://discord.com/api/v10"
DISCORD_GATEWAY_URL = "wss://gateway.discord.gg/"


def use_endpoints(api_base: str | None, gateway_url: str | None) -> None:
    """Send REST calls to ``api_base`` and dial the gateway at ``gateway_url``; ``None`` means Discord's own.

    discord.py reads both from class attributes, so this must run before ``login()``.
    """
    discord.http.Route.BASE = (api_base or DISCORD_API_BASE).rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url or DISCORD_GATEWAY_URL)
