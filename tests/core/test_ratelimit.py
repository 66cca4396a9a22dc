from bot.runtime.ratelimit import Cooldown


def test_cooldown_allows_rate_per_window_per_key() -> None:
    now = [0.0]
    cooldown = Cooldown(rate=2, per=10, clock=lambda: now[0])
    assert cooldown.acquire("a") == 0 and cooldown.acquire("a") == 0
    assert cooldown.acquire("a") == 10 and cooldown.acquire("b") == 0
    now[0] = 4.0
    assert cooldown.acquire("a") == 6
    now[0] = 10.0
    assert cooldown.acquire("a") == 0
