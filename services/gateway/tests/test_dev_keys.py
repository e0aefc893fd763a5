"""The development signing key, created on first use by whichever of several starting processes
gets there first (a test run starts many gateways at once)."""

from __future__ import annotations

import stat
from concurrent.futures import ProcessPoolExecutor

from peerbridge_gateway.auth.dev_keys import ensure_dev_key, public_jwk


def key_id(path: str) -> str:
    return public_jwk(ensure_dev_key(path))["kid"]


def test_processes_creating_the_key_together_all_get_the_one_key_and_no_draft_is_left(tmp_path):
    path = tmp_path / "gateway" / "dev-signing-key.pem"
    with ProcessPoolExecutor(max_workers=6) as pool:
        kids = set(pool.map(key_id, [str(path)] * 12))

    assert kids == {key_id(str(path))}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == [path.name]
