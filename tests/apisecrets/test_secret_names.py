"""Secret names: look-alikes are normalised (NFKC), invisible and control characters refused."""

from __future__ import annotations

import html

import pytest
from django.core.exceptions import ValidationError

from apisecrets.models import ApiSecret
from apisecrets.validators import clean_secret_name, skeleton
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


LOOK_ALIKES = [
    ("gamma old", "g\u0430mma old"),  # Cyrillic а
    ("gamma old", "G\u0410MMA OLD"),  # Cyrillic А, any case
    ("API key", "\u0391\u03a1\u0399 key"),  # Greek Α, Ρ, Ι
    ("vault-1", "vault-l"),  # digit one and small L
    ("Iab", "lab"),  # capital I and small L
    ("modern", "rnodern"),  # m and "rn"
    ("door 1", "door \u0661"),  # Arabic-Indic digit one (right-to-left)
    ("host", "\u0397\u039f\u0405\u0422"),  # Greek Η, Ο and Cyrillic Ѕ, Т (which NFKC keeps)
]


@pytest.mark.parametrize(("existing", "name"), LOOK_ALIKES)
def test_a_name_that_looks_like_another_secrets_is_refused(tenant, existing, name):
    create(tenant, existing)
    with pytest.raises(ValidationError) as error:
        create(tenant, name)
    assert error.value.message_dict == {
        "name": [
            f"This name looks like “{existing}”, the name of another API secret. "
            "Choose a name that reads differently."
        ]
    }
    assert ApiSecret.objects.filter(tenant=tenant).count() == 1


@pytest.mark.parametrize(
    ("existing", "name"),
    [("gamma old", "gamma new"), ("door 1", "door 2"), ("Cafe", "Café"), ("Tür", "Tur")],
)
def test_names_that_read_differently_are_both_accepted(tenant, existing, name):
    create(tenant, existing)
    create(tenant, name)
    assert ApiSecret.objects.filter(tenant=tenant).count() == 2


def test_another_tenants_names_are_no_obstacle(tenant, other_tenant):
    create(other_tenant, "gamma old")
    assert create(tenant, "g\u0430mma old").name == "g\u0430mma old"


def test_a_look_alike_of_a_rolled_secrets_name_is_refused_too(tenant, actor):
    from apisecrets.services import api_secret_roll

    old = create(tenant, "gamma old")
    api_secret_roll(secret=old, actor=actor, overlap="1h")
    with pytest.raises(ValidationError, match="looks like"):
        create(tenant, "g\u0430mma old")
    assert ApiSecret.objects.filter(tenant=tenant).count() == 2


def test_the_create_form_shows_the_look_alike_on_the_name_field(admin_client, tenant):
    create(tenant, "gamma old")
    response = admin_client.post(
        "/api-access/new/",
        {"name": "g\u0430mma old", "validity_days": "90", "permissions": "read"},
    )
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert "This name looks like “gamma old”, the name of another API secret." in page
    assert 'aria-invalid="true"' in page
    assert ApiSecret.objects.filter(tenant=tenant).count() == 1


def test_the_command_refuses_a_look_alike(tenant):
    from django.core.management import CommandError, call_command

    create(tenant, "gamma old")
    with pytest.raises(CommandError, match="looks like “gamma old”"):
        call_command("create_api_secret", tenant=tenant.name, name="g\u0430mma old")
    assert ApiSecret.objects.filter(tenant=tenant).count() == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Expected values as ICU's SpoofChecker.getSkeleton (the TR39 reference) gives them.
        ("\U0001d52d\U0001d4b6\u1eff\U0001d561\U0001d552\u2113", "paypal"),
        ("g\u0430mma old", "garnrna old"),
        ("\u0397\u039f\u0405\u0422", "HOST"),
        ("door \u0661", "door l"),
        ("\u05d5", "l"),  # Hebrew vav: right-to-left characters are mapped too
        ("\u0430\u0440\u0440\u04cf\u0435", "appie"),
    ],
)
def test_the_skeleton_is_tr39s(text, expected):
    assert skeleton(text) == expected
    assert skeleton(expected) == expected
