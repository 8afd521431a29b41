"""Validating an Entra ID id token of a multi-tenant ("organizations") app.

Entra's multi-tenant discovery document names its issuer with a placeholder,
`https://login.microsoftonline.com/{tenantid}/v2.0`: the issuer of a token is that of the tenant
the token names in `tid`, so the usual "iss equals the discovery issuer" check cannot be used.
"""

from __future__ import annotations

import hmac
import uuid

import jwt
from allauth.socialaccount.providers.oauth2.client import OAuth2Error

TENANT_PLACEHOLDER = "{tenantid}"
ALGORITHMS = ["RS256"]  # what Entra signs with; never "none" or a symmetric algorithm
LEEWAY_SECONDS = 60  # clock skew between Entra and us


def validate_id_token(
    id_token: str, *, issuer_template: str, jwks: dict, client_id: str, nonce: str | None
) -> dict:
    """The claims of `id_token` when it is signed by a key of `jwks`, meant for `client_id`,
    unexpired, issued by its own tenant's issuer and answering `nonce`; else OAuth2Error."""
    if TENANT_PLACEHOLDER not in issuer_template:
        raise OAuth2Error("The discovery document's issuer has no {tenantid} placeholder.")
    try:
        kid = jwt.get_unverified_header(id_token).get("kid")
        key = jwt.PyJWKSet.from_dict(jwks)[kid]  # type: ignore[index]  # None: a key without kid
        claims = jwt.decode(
            id_token,
            key=key.key,
            algorithms=ALGORITHMS,
            audience=client_id,
            leeway=LEEWAY_SECONDS,
            options={"require": ["iss", "aud", "exp", "iat", "tid", "oid"]},
        )
    except (jwt.PyJWTError, KeyError, TypeError, ValueError) as e:
        raise OAuth2Error(f"Invalid id_token: {e}") from e
    try:
        tid = str(uuid.UUID(str(claims["tid"])))
    except ValueError as e:
        raise OAuth2Error("Invalid id_token: tid is not a tenant id") from e
    if claims["iss"] != issuer_template.replace(TENANT_PLACEHOLDER, tid):
        raise OAuth2Error("Invalid id_token: issuer is not the issuer of its tenant")
    if not nonce or not hmac.compare_digest(str(claims.get("nonce", "")), nonce):
        raise OAuth2Error("Invalid id_token: nonce does not match this sign-in")
    claims["tid"] = tid
    return claims
