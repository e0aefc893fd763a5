"""The simulator's user tokens on a freshly booted machine: the monotonic clock starts near 0, and
a user never seen must still get a token (`make simulate` was refused 401 for ~48 minutes)."""

from __future__ import annotations

import jwt

from peerbridge_simulator.tokens import DevTokens, User

ADMIN = User("admin-1", ("program_admin",))


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def claims(headers: dict[str, str]) -> dict:
    token = headers["Authorization"].removeprefix("Bearer ")
    return jwt.decode(token, options={"verify_signature": False})


def test_a_first_request_just_after_boot_carries_a_token(tmp_path):
    tokens = DevTokens("org-boot", tmp_path / "key.pem", ttl_s=3600, clock=Clock(12.0))
    headers = tokens.headers(ADMIN)
    assert claims(headers)["sub"] == "admin-1" and claims(headers)["org"] == "org-boot"


def test_a_token_is_reused_then_minted_again_at_80_percent_of_its_lifetime(tmp_path):
    clock = Clock(0.0)
    tokens = DevTokens("org-boot", tmp_path / "key.pem", ttl_s=100, clock=clock)
    first = tokens.headers(ADMIN)
    assert first["Authorization"].startswith("Bearer ") and len(first["Authorization"]) > 50
    clock.now = 80.0
    assert tokens.headers(ADMIN) is first
    clock.now = 80.5
    assert tokens.headers(ADMIN) is not first
