"""Settings an operator misspells are not ignored silently: a name in ``.env`` that is not a setting, or an
environment variable that nearly spells one, gets a one-line warning naming the closest setting."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import SettingsError, load_settings, unknown_settings

CHECKOUT = Path(__file__).parents[1]


def test_a_misspelt_setting_in_env_is_named_in_one_line_with_the_closest_setting(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"DATABASE_URL=sqlite:///{tmp_path / 'debates.db'}\nLOG_LEVL=DEBUG\n")
    environment = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "LOG_LEVEL")}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "db", "upgrade"],
        cwd=tmp_path,
        env=environment | {"PYTHONPATH": str(CHECKOUT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "LOG_LEVL" in line]
    assert len(warnings) == 1 and "did you mean LOG_LEVEL?" in warnings[0], result.stderr
    assert (tmp_path / "debates.db").exists()  # the rest of .env was read


def test_each_name_in_env_like_a_setting_is_warned_of_and_compose_s_own_names_are_not(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("log_level=DEBUG\nSHARDS_COUNT=2\nDATABSE_URL=x\nPOSTGRES_PASSWORD=secret\nWHATEVER=1\n")
    assert unknown_settings(env_file, {}) == [
        f"SHARDS_COUNT in {env_file} is not a setting and is ignored; did you mean SHARD_COUNT?",
        f"DATABSE_URL in {env_file} is not a setting and is ignored; did you mean DATABASE_URL?",
    ]


def test_only_environment_variables_that_nearly_spell_a_setting_are_warned_of(tmp_path: Path) -> None:
    environ = {
        "LOG_COLOR": "true",
        "DISCORD_TOKNE": "x",
        "DATABASE_URL": "sqlite:///x.db",
        "PATH": "/usr/bin",
        "HOME": "/root",
        "DATABASE_HOST": "db",
        "DISCORD_CLIENT_SECRET": "y",
        "LOGNAME": "root",
    }
    assert unknown_settings(tmp_path / ".env", environ) == [
        "LOG_COLOR in the environment is not a setting and is ignored; did you mean LOG_COLOUR?",
        "DISCORD_TOKNE in the environment is not a setting and is ignored; did you mean DISCORD_TOKEN?",
    ]


@pytest.fixture
def no_shard_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Neither the machine's environment nor a ``.env`` in the working directory names shards."""
    for name in ("SHARD_ID", "SHARD_IDS", "SHARD_COUNT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.mark.usefixtures("no_shard_settings")
def test_several_shards_in_one_process_are_read_from_shard_ids_with_shard_count() -> None:
    assert load_settings(shard_ids=" 2,0", shard_count=3).shards == (0, 2)
    assert load_settings(shard_id=1, shard_count=3).shards == (1,)
    assert load_settings().shards == (0,)


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        ({"shard_ids": "0,1"}, "set SHARD_IDS and SHARD_COUNT together (or neither)"),
        ({"shard_ids": "0,3", "shard_count": 3}, "SHARD_IDS must be below SHARD_COUNT (3)"),
        ({"shard_ids": "0,1", "shard_id": 0, "shard_count": 2}, "set SHARD_ID (one shard) or SHARD_IDS (several)"),
        ({"shard_ids": "0,0", "shard_count": 2}, "'0,0' names a shard twice"),
        ({"shard_ids": "0;1", "shard_count": 2}, "'0;1' is not a list of shard numbers separated by commas"),
    ],
)
@pytest.mark.usefixtures("no_shard_settings")
def test_shard_ids_refused_say_why(settings: dict[str, object], problem: str) -> None:
    with pytest.raises(SettingsError, match=re.escape(problem)):
        load_settings(**settings)


def test_postgresql_without_its_driver_says_which_extra_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.config.find_spec", lambda name: None)
    with pytest.raises(SettingsError, match=re.escape("pip install 'crux-debate-bot[postgres]'")):
        load_settings(database_url="postgresql://bot@db/debates")
    assert load_settings(database_url="sqlite:///debates.db").sqlite_file() is not None  # SQLite needs nothing more
