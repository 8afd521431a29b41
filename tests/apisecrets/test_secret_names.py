"""Secret names: look-alikes are normalised (NFKC), invisible and control characters refused."""

from __future__ import annotations

import html

import pytest
from django.core.exceptions import ValidationError

from apisecrets.models import ApiSecret
from apisecrets.validators import clean_secret_name
from tests.factories import make_api_secret

HIDDEN = {
    "door\u202eevil": "U+202E",  # right-to-left override
    "door\u200bapp": "U+200B",  # zero-width space
    "\u2066door\u2069": "U+2066 U+2069",  # bidi isolates
    "door\ufeffapp": "U+FEFF",  # zero-width no-break space (BOM)
    "door\u00adapp": "U+00AD",  # soft hyphen
    "door\u2028app": "U+2028",  # line separator
    "door\u2029app": "U+2029",  # paragraph separator
    "door\ue000app": "U+E000",  # private use
    "door\u0378app": "U+0378",  # unassigned
    "door\x07app": "U+0007",  # bell
    "door\x85app": "U+0085",  # next line (C1 control)
    "door\tapp": "U+0009",
}


def create(tenant, name: str) -> ApiSecret:
    return make_api_secret(tenant, name)[0]


@pytest.mark.parametrize(("name", "shown"), HIDDEN.items())
def test_invisible_and_control_characters_are_refused_with_their_code_points(name, shown):
    with pytest.raises(ValidationError) as error:
        clean_secret_name(name)
    assert error.value.messages == [f"Control and invisible characters are not allowed: {shown}"]


@pytest.mark.parametrize("name", ["admin\uff20example", "admin\ufe6bexample", "a\uff03b"])
def test_full_width_look_alikes_are_normalised_then_refused_like_the_ascii_character(name):
    with pytest.raises(ValidationError) as error:
        clean_secret_name(name)
    assert error.value.messages[0].startswith("These characters are not allowed: ")


@pytest.mark.parametrize(
    ("name", "stored"),
    [
        ("\uff21dmin app", "Admin app"),  # full-width A
        ("door\u00a0app", "door app"),  # no-break space
        ("\u3000door app\u3000", "door app"),  # ideographic spaces, trimmed after NFKC
        ("Caf\u0065\u0301", "Caf\u00e9"),  # combining accent composed
        ("Tür 1 · Ост", "Tür 1 · Ост"),  # ordinary letters of any script stay
    ],
)
def test_names_are_stored_normalised(tenant, name, stored):
    assert create(tenant, name).name == stored


def test_a_look_alike_of_an_existing_name_is_a_duplicate(tenant):
    create(tenant, "Admin app")
    with pytest.raises(ValidationError) as error:
        create(tenant, "\uff21dmin app")
    assert error.value.message_dict == {"name": ["An API secret with this name already exists."]}
    assert ApiSecret.objects.filter(tenant=tenant).count() == 1


@pytest.mark.parametrize("name", ["door\u202eevil", "admin\uff20example.com", "x\u200b"])
def test_the_create_form_shows_a_field_message_and_creates_nothing(admin_client, tenant, name):
    response = admin_client.post(
        "/api-access/new/", {"name": name, "validity_days": "90", "permissions": "read"}
    )
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert "are not allowed:" in page
    assert 'aria-invalid="true"' in page
    assert not ApiSecret.objects.exists()
