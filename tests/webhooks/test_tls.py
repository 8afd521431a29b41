"""HTTPS to the vetted address: the connection goes to the IP the guard checked, while TLS
sends the endpoint's name (SNI) and checks the certificate against that name."""

from __future__ import annotations

import datetime as dt
import ssl

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from audit.services import Actor
from tests.webhooks.helpers import drain
from webhooks import services

pytestmark = pytest.mark.django_db


def _certificate(tmp_path, name: str) -> tuple[str, str]:
    """A self-signed certificate for `name`: (certificate file, key file)."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(cert_file), str(key_file)


@pytest.fixture
def tls_receiver(receiver, tmp_path, monkeypatch):
    cert, key = _certificate(tmp_path, "localhost")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    names: list[str | None] = []
    context.sni_callback = lambda sock, name, ctx: names.append(name)
    receiver.server.socket = context.wrap_socket(receiver.server.socket, server_side=True)
    receiver.sni = names
    # The deliveries trust this certificate as they would a public CA's (SSL_CERT_FILE).
    monkeypatch.setenv("SSL_CERT_FILE", cert)
    yield receiver


def test_https_goes_to_the_vetted_address_with_the_name_for_sni_and_the_certificate(
    tenant, tls_receiver
):
    port = tls_receiver.port
    services.endpoint_create(
        tenant=tenant, actor=Actor.system(), url=f"https://localhost:{port}/hooks"
    )
    services.emit(tenant_id=tenant.id, event_type="call.ringing", data={})
    assert drain() == ["succeeded"]
    assert tls_receiver.sni == ["localhost"]
    assert tls_receiver.received[0].headers["host"] == f"localhost:{port}"


def test_a_certificate_for_another_name_fails(tenant, tls_receiver):
    # 127.0.0.1 is not the name on the certificate: refused by the TLS check, never sent.
    services.endpoint_create(
        tenant=tenant, actor=Actor.system(), url=f"https://127.0.0.1:{tls_receiver.port}/hooks"
    )
    [message] = services.emit(tenant_id=tenant.id, event_type="call.ringing", data={})
    from webhooks.worker import claim, deliver

    assert [deliver(*c) for c in claim(5)] == ["failed"]
    assert tls_receiver.received == []
    assert "certificate" in message.attempts.get(number=1).error.lower()
