"""The operator's documents stay in step with the code: every setting in the README's table and in .env.example,
and the invite URL's permission integer the one the bot checks for."""

from __future__ import annotations

import re
from pathlib import Path

import discord

from bot.client import NEEDED_PERMISSIONS
from bot.config import Settings

ROOT = Path(__file__).parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _section(heading: str) -> str:
    return README.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]


def test_every_setting_is_in_the_configuration_table_and_in_env_example() -> None:
    settings = {name.upper() for name in Settings.model_fields}
    table = set(re.findall(r"`([A-Z_]+)`", "\n".join(_section("Configuration").splitlines()[:25])))
    example = set(re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(encoding="utf-8"), re.MULTILINE))
    assert settings <= table, f"missing from the README's table: {settings - table}"
    assert example == settings, f".env.example differs: {example ^ settings}"


def test_the_invite_url_asks_for_exactly_the_permissions_the_bot_needs() -> None:
    needed = discord.Permissions(**dict.fromkeys(NEEDED_PERMISSIONS, True))
    assert f"scope=bot+applications.commands&permissions={needed.value}" in _section("Set up your own bot")
    listed = _section("Set up your own bot").lower()
    for name in NEEDED_PERMISSIONS:
        label = {"view_channel": "view channels"}.get(name, name.replace("_", " "))
        assert f"**{label}**" in listed, label
