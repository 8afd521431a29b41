"""The checksummed secret format (SPEC §6 "Secret format"): shape, checksum, refusal before any
lookup, and old-format secrets still working."""

from __future__ import annotations

import re
import zlib

import pytest

from apisecrets.models import ApiSecret
from apisecrets.services import hash_api_secret
from cybergate.lib import tokens
from tests.factories import make_api_secret
from tests.helpers import bearer_client

pytestmark = pytest.mark.django_db


def _base62(number: int) -> str:
    # Independent of tokens.checksum: what a leak scanner would write from the README.
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    out = ""
    while number:
        number, digit = divmod(number, 62)
        out = alphabet[digit] + out
    return out.rjust(6, "0")


def test_new_secret_has_the_documented_format(tenant):
    _, value = make_api_secret(tenant)
    assert re.fullmatch(tokens.API_SECRET_PATTERN, value)
    assert re.fullmatch(r"cgs_[0-9A-Za-z]{46}", value)
    assert value[-6:] == _base62(zlib.crc32(value[:-6].encode()))


def test_values_are_unique_and_checksums_vary():
    values = {tokens.generate_api_secret() for _ in range(200)}
    assert len(values) == 200
    assert len({v[-6:] for v in values}) > 150
    assert all(tokens.checksum_ok(v) for v in values)


def test_readme_documents_the_pattern():
    from django.conf import settings

    readme = (settings.BASE_DIR / "README.md").read_text()
    assert r"\bcgs_[0-9A-Za-z]{46}\b" in readme


def _with_bad_checksum(value: str) -> str:
    last = value[-1]
    return value[:-1] + ("A" if last != "A" else "B")


def test_wrong_checksum_is_refused_without_any_query(tenant, django_assert_num_queries):
    secret, value = make_api_secret(tenant)
    bad = _with_bad_checksum(value)
    # Even a stored row with that very hash would not be looked up.
    ApiSecret.objects.filter(pk=secret.pk).update(hashed_value=hash_api_secret(bad))
    client = bearer_client(bad)
    with django_assert_num_queries(0):
        response = client.get("/api/v1/version")
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_secret"
    assert bearer_client(value).get("/api/v1/version").status_code == 401  # hash was replaced


@pytest.mark.parametrize(
    "mutate",
    [
        lambda v: v[:10] + "-" + v[11:],  # a character outside base62, right length
        lambda v: "cgx_" + v[4:],
        lambda v: v[:-6] + "000000",
    ],
)
def test_malformed_values_of_the_new_length_are_refused_without_a_query(
    tenant, mutate, django_assert_num_queries
):
    _, value = make_api_secret(tenant)
    bad = mutate(value)
    assert len(bad) == tokens.API_SECRET_LENGTH
    with django_assert_num_queries(0):
        response = bearer_client(bad).get("/api/v1/version")
    assert response.status_code == 401


def test_right_checksum_works(tenant, api_secret_value):
    assert tokens.checksum_ok(api_secret_value)
    assert bearer_client(api_secret_value).get("/api/v1/version").status_code == 200


def test_old_format_secrets_keep_working(tenant):
    secret, _ = make_api_secret(tenant, name="new")
    old_value = tokens.generate(tokens.API_SECRET_PREFIX)  # the format before checksums
    assert len(old_value) == 47
    ApiSecret.objects.filter(pk=secret.pk).update(
        hashed_value=hash_api_secret(old_value), prefix=old_value[:8]
    )
    assert bearer_client(old_value).get("/api/v1/version").status_code == 200
