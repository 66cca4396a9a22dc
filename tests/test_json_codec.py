"""discord.py's JSON on orjson (bot.runtime.json_codec): what orjson refuses still parses and encodes as before."""

from __future__ import annotations

import json

import discord.utils
import pytest

from bot.runtime import json_codec

orjson = pytest.importorskip("orjson", reason="orjson (a runtime dependency) is not installed")

#: A gateway event whose user text holds a lone surrogate, escaped as Discord's JSON carries it.
EVENT = '{"op":0,"t":"INTERACTION_CREATE","d":{"data":{"options":[{"name":"text","value":"a\\ud800b"}]}}}'


def test_orjson_alone_refuses_a_lone_surrogate() -> None:
    """Why the fallback exists: the text the e2e text rule sends would fail to parse."""
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(EVENT)
    with pytest.raises(orjson.JSONEncodeError):
        orjson.dumps({"content": "a\ud800b"})


def test_a_lone_surrogate_parses_and_encodes_as_the_standard_library_does() -> None:
    assert json_codec.loads(EVENT) == json.loads(EVENT)
    assert json_codec.loads(EVENT.encode()) == json.loads(EVENT)
    assert json_codec.dumps({"content": "a\ud800b"}) == '{"content":"a\\ud800b"}'


def test_everything_else_is_orjsons() -> None:
    payload = {"embeds": [{"title": "Claim #1", "description": "Ünïcode — ok"}], "tts": False, "content": None}
    assert json_codec.dumps(payload) == orjson.dumps(payload).decode()
    assert json_codec.loads(json_codec.dumps(payload)) == payload


def test_installed_discord_py_uses_it() -> None:
    assert json_codec.install()
    assert discord.utils._to_json is json_codec.dumps
    assert discord.utils._from_json is json_codec.loads
    assert discord.utils._from_json(EVENT)["d"]["data"]["options"][0]["value"] == "a\ud800b"
