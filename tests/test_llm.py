"""Language-model help's settings and runtime pieces: off unless both the endpoint and the model are set, the key
masked in logs, the destination /privacy names, the daily limit, and the privacy text the docs publish."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import pytest

from bot.config import SettingsError, load_settings
from bot.core.privacy.statement import SENT_TO_MODEL, statement
from bot.core.suggest.answers import ModelUnavailable
from bot.runtime.llm import NOT_ENABLED, DailyLimit, LanguageModel
from bot.runtime.logs import LLM_KEY_MASK, MASK, setup_logging

KEY = "sk-live-0123456789abcdef"


@pytest.mark.parametrize(
    ("settings", "enabled"),
    [({}, False), ({"llm_base_url": "http://localhost:11434/v1"}, False), ({"llm_model": "qwen"}, False)],
)
def test_without_both_an_endpoint_and_a_model_nothing_is_made_to_send(settings: dict[str, str], enabled: bool) -> None:
    model = LanguageModel(load_settings(_env_file=None, **settings))
    assert model.enabled is enabled and model.client is None
    with pytest.raises(ModelUnavailable, match="not set an endpoint"):
        model.require()
    assert NOT_ENABLED.endswith("Nothing was sent anywhere.")


def test_an_endpoint_that_is_no_http_url_is_refused_in_one_line() -> None:
    with pytest.raises(SettingsError, match="LLM_BASE_URL: give the endpoint's http:// or https:// URL"):
        load_settings(_env_file=None, llm_base_url="localhost:11434", llm_model="m")


def test_privacy_names_only_the_endpoints_host() -> None:
    settings = load_settings(_env_file=None, llm_base_url="https://user:pw@llm.example.org:8443/v1", llm_model="m")
    assert settings.llm_destination() == "llm.example.org:8443"
    assert load_settings(_env_file=None).llm_destination() is None
    told = statement(model="llm.example.org:8443")
    assert "to the language model at llm.example.org:8443" in told and "pw" not in told
    assert "no feature that sends text" in statement()


def test_the_key_is_masked_in_logs_by_its_own_name(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging("INFO", "text", "token-0123456789", named={LLM_KEY_MASK: KEY})
    logging.getLogger("openai").warning(f"Authorization: Bearer {KEY}; token token-0123456789")
    err = capsys.readouterr().err
    assert KEY not in err and f"Bearer {LLM_KEY_MASK}; token {MASK}" in err


def test_the_daily_limit_counts_each_server_and_starts_again_the_next_day() -> None:
    today = [date(2026, 1, 1)]
    limit = DailyLimit(2, lambda: today[0])
    for guild in (1, 1, 2):
        limit.take(guild)
    with pytest.raises(ModelUnavailable, match="used its 2 language-model requests"):
        limit.take(1)
    today[0] = date(2026, 1, 2)
    limit.take(1)


def test_the_docs_publish_what_privacy_says_when_the_model_is_on() -> None:
    doc = (Path(__file__).parents[1] / "docs" / "privacy.md").read_text(encoding="utf-8")
    quoted = " ".join(line.removeprefix(">").strip() for line in doc.splitlines())
    published = SENT_TO_MODEL.format(model="**[operator: the endpoint's host]**")
    assert " ".join(published.split()) in " ".join(quoted.split())
