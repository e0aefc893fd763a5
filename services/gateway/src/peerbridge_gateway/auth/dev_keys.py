"""The development signing key: an RSA key created on first use under .stack/ (never committed),
trusted by a gateway that runs in dev or test and has no other key set configured."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm


def ensure_dev_key(path: str | Path) -> rsa.RSAPrivateKey:
    """The key at ``path``, created (mode 0600) when missing."""
    path = Path(path)
    if not path.exists():
        _create(path)
    loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(loaded, rsa.RSAPrivateKey):
        raise ValueError(f"{path} is not an RSA private key")
    return loaded


def _create(path: Path) -> None:
    """Written whole beside ``path`` and then linked in: processes starting together (a test run's
    gateways) never read a half-written key, and the first one's key is everyone's."""
    path.parent.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    descriptor, draft_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mode 0600
    draft = Path(draft_name)
    with os.fdopen(descriptor, "wb") as out:
        out.write(pem)
    try:
        os.link(draft, path)
    except FileExistsError:
        pass
    finally:
        draft.unlink()


def public_jwk(key: rsa.RSAPrivateKey) -> dict[str, str]:
    """The public half as a JWK, its ``kid`` derived from the key itself."""
    jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    kid = hashlib.sha256(f"{jwk['n']}.{jwk['e']}".encode()).hexdigest()[:16]
    return {**jwk, "kid": kid, "alg": "RS256", "use": "sig"}
