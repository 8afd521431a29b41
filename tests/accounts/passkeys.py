"""A software passkey for tests: answers the WebAuthn ceremony of allauth's "Add passkey" page
the way a browser and an authenticator would (a new P-256 key, "none" attestation), so the
server's real verification (fido2) runs."""

from __future__ import annotations

import hashlib
import json
import os
import re
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from fido2.cose import ES256
from fido2.utils import websafe_encode
from fido2.webauthn import (
    Aaguid,
    AttestationObject,
    AttestedCredentialData,
    AuthenticatorData,
    CollectedClientData,
)

FLAGS = AuthenticatorData.FLAG.UP | AuthenticatorData.FLAG.UV | AuthenticatorData.FLAG.AT


def creation_options(page: str) -> dict[str, Any]:
    """The `publicKey` creation options an "Add passkey" page hands to its script."""
    found = re.search(r'<script id="js_data" type="application/json">(.*?)</script>', page, re.S)
    assert found, "no WebAuthn creation options on the page"
    return json.loads(found[1])["creation_options"]["publicKey"]


def new_credential(page: str, origin: str = "http://testserver") -> dict[str, Any]:
    """The PublicKeyCredential (JSON form) a browser would post back for a new passkey."""
    options = creation_options(page)
    credential_id = os.urandom(32)
    public_key = ES256.from_cryptography_key(ec.generate_private_key(ec.SECP256R1()).public_key())
    auth_data = AuthenticatorData.create(
        hashlib.sha256(options["rp"]["id"].encode()).digest(),
        FLAGS,
        0,
        AttestedCredentialData.create(Aaguid.NONE, credential_id, public_key),
    )
    client_data = CollectedClientData.create(
        type=CollectedClientData.TYPE.CREATE, challenge=options["challenge"], origin=origin
    )
    return {
        "type": "public-key",
        "id": websafe_encode(credential_id),
        "rawId": websafe_encode(credential_id),
        "response": {
            "clientDataJSON": websafe_encode(client_data),
            "attestationObject": websafe_encode(AttestationObject.create("none", auth_data, {})),
        },
        "clientExtensionResults": {"credProps": {"rk": True}},
    }
