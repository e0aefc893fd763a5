"""OpenID Connect sign-in with the organization's identity provider: authorization code + PKCE
(S256) with a confidential client (Authlib), ID token checked (signature from the provider's
JWKS, issuer, audience, expiry, nonce), refresh, and RP-initiated logout."""

from __future__ import annotations

import time
from urllib.parse import urlencode

import httpx
from authlib.integrations.httpx_client import AsyncOAuth2Client
from authlib.jose import JsonWebKey, JsonWebToken
from authlib.jose.errors import JoseError

from .settings import ConsoleSettings

CALLBACK_PATH = "/auth/callback"
SIGNED_OUT_PATH = "/signed-out"


class SignInFailed(Exception):
    """The provider's answer could not be trusted or used; the message says why (no secrets)."""


class Provider:
    def __init__(self, settings: ConsoleSettings, http: httpx.AsyncClient) -> None:
        self.settings, self.http = settings, http
        self._metadata: dict | None = None
        self._jwks: dict | None = None
        self._fetched_at = 0.0
        self.redirect_uri = settings.public_url.rstrip("/") + CALLBACK_PATH

    async def metadata(self) -> dict:
        if self._metadata is None or time.monotonic() - self._fetched_at > 3600:
            response = await self.http.get(self.settings.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration",
                                           timeout=10)
            response.raise_for_status()
            self._metadata, self._jwks, self._fetched_at = response.json(), None, time.monotonic()
        return self._metadata

    def _client(self) -> AsyncOAuth2Client:
        return AsyncOAuth2Client(client_id=self.settings.oidc_client_id,
                                 client_secret=self.settings.oidc_client_secret.get_secret_value(),
                                 scope=self.settings.oidc_scope, redirect_uri=self.redirect_uri,
                                 code_challenge_method="S256", timeout=10)

    async def authorization_url(self, *, state: str, code_verifier: str, nonce: str) -> str:
        endpoint = (await self.metadata())["authorization_endpoint"]
        async with self._client() as client:
            extra = {"prompt": self.settings.oidc_prompt} if self.settings.oidc_prompt else {}
            url, _ = client.create_authorization_url(endpoint, state=state, code_verifier=code_verifier, nonce=nonce,
                                                     **extra)
        return url

    async def exchange(self, *, code: str, code_verifier: str, nonce: str) -> tuple[dict, dict]:
        """(tokens, the ID token's verified claims) for the authorization code."""
        metadata = await self.metadata()
        try:
            async with self._client() as client:
                tokens = dict(await client.fetch_token(metadata["token_endpoint"], code=code,
                                                       code_verifier=code_verifier))
        except Exception as exc:  # noqa: BLE001 - any provider refusal is a failed sign-in
            raise SignInFailed(f"the identity provider refused the code ({type(exc).__name__})") from None
        return tokens, await self.verify_id_token(tokens.get("id_token"), nonce)

    async def refresh(self, refresh_token: str) -> dict:
        metadata = await self.metadata()
        async with self._client() as client:
            return dict(await client.refresh_token(metadata["token_endpoint"], refresh_token=refresh_token))

    async def verify_id_token(self, id_token: str | None, nonce: str) -> dict:
        if not id_token:
            raise SignInFailed("the provider sent no ID token")
        metadata = await self.metadata()
        if self._jwks is None:
            response = await self.http.get(metadata["jwks_uri"], timeout=10)
            response.raise_for_status()
            self._jwks = response.json()
        try:
            claims = JsonWebToken(["RS256", "ES256", "PS256"]).decode(
                id_token, JsonWebKey.import_key_set(self._jwks), claims_options={
                    "iss": {"essential": True, "value": metadata["issuer"]},
                    "aud": {"essential": True, "value": self.settings.oidc_client_id},
                    "nonce": {"essential": True, "value": nonce}})
            claims.validate(leeway=30)
        except (JoseError, ValueError) as exc:
            self._jwks = None  # keys may have rotated; fetched again next time
            raise SignInFailed(f"the ID token is not valid: {exc}") from None
        return dict(claims)

    async def logout_url(self, id_token: str | None) -> str:
        endpoint = (await self.metadata()).get("end_session_endpoint")
        back = self.settings.public_url.rstrip("/") + SIGNED_OUT_PATH
        if not endpoint:
            return back
        query = {"post_logout_redirect_uri": back, "client_id": self.settings.oidc_client_id}
        if id_token:
            query["id_token_hint"] = id_token
        return f"{endpoint}?{urlencode(query)}"
