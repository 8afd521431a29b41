"""The id token check of "Sign in with Microsoft", with tokens signed by a key of the test."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import jwt
import pytest
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from cryptography.hazmat.primitives.asymmetric import rsa

from accounts.entra.tokens import validate_id_token

TEMPLATE = "https://login.microsoftonline.com/{tenantid}/v2.0"
CLIENT_ID = "6731de76-14a6-49ae-97bc-6eba6914391e"
TID = "72f988bf-86f1-41af-91ab-2d7cd011db47"
NONCE = "n-0S6_WzA2Mj"


def _key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


KEY = _key()
OTHER_KEY = _key()


def _jwks(key) -> dict:
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    return {"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "RS256"}]}


JWKS = _jwks(KEY)


def _token(key=KEY, alg="RS256", **overrides) -> str:
    now = int(time.time())
    claims = {
        "iss": f"https://login.microsoftonline.com/{TID}/v2.0",
        "aud": CLIENT_ID,
        "iat": now,
        "nbf": now,
        "exp": now + 3600,
        "tid": TID,
        "oid": str(uuid.uuid4()),
        "preferred_username": "ada@contoso.example",
        "nonce": NONCE,
    }
    claims.update(overrides)
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode(claims, key, algorithm=alg, headers={"kid": "k1"})


def _validate(token: str, **overrides) -> dict:
    kwargs: dict[str, Any] = {
        "issuer_template": TEMPLATE,
        "jwks": JWKS,
        "client_id": CLIENT_ID,
        "nonce": NONCE,
    }
    kwargs.update(overrides)
    return validate_id_token(token, **kwargs)


def test_a_token_of_its_own_tenants_issuer_is_accepted():
    claims = _validate(_token())
    assert claims["tid"] == TID
    assert claims["preferred_username"] == "ada@contoso.example"


@pytest.mark.parametrize(
    "overrides",
    [
        # Another tenant's issuer than the token's own tid: a forged tenant.
        {"iss": "https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0"},
        {"iss": "https://evil.example/" + TID + "/v2.0"},
        {"iss": TEMPLATE},  # the placeholder itself is no issuer
        {"aud": "another-app"},
        {"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200},
        {"nonce": "replayed-nonce"},
        {"nonce": None},
        {"tid": None},
        {"tid": "not-a-uuid", "iss": "https://login.microsoftonline.com/not-a-uuid/v2.0"},
        {"oid": None},
    ],
    ids=[
        "other-tenant-issuer",
        "other-authority",
        "placeholder-issuer",
        "wrong-audience",
        "expired",
        "wrong-nonce",
        "no-nonce",
        "no-tid",
        "tid-not-uuid",
        "no-oid",
    ],
)
def test_a_tampered_token_is_refused(overrides):
    with pytest.raises(OAuth2Error):
        _validate(_token(**overrides))


def test_a_token_signed_by_another_key_is_refused():
    with pytest.raises(OAuth2Error):
        _validate(_token(key=OTHER_KEY))


def test_an_unsigned_or_symmetric_token_is_refused():
    unsigned = jwt.encode(jwt.decode(_token(), options={"verify_signature": False}), None, "none")
    with pytest.raises(OAuth2Error):
        _validate(unsigned)
    with pytest.raises(OAuth2Error):
        _validate(_token(key="a-shared-secret-of-32-bytes-long!", alg="HS256"))


def test_no_nonce_expected_refuses():
    with pytest.raises(OAuth2Error):
        _validate(_token(), nonce=None)


def test_a_discovery_issuer_without_placeholder_is_refused():
    with pytest.raises(OAuth2Error):
        _validate(_token(), issuer_template=f"https://login.microsoftonline.com/{TID}/v2.0")
