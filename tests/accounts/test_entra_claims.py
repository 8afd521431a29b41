"""Which claims of an Entra id token may match a login on a first Microsoft sign-in: only those
the person's organisation vouches for (the full flows run against the test provider in
tests/browser/test_microsoft_signin_browser.py)."""

from __future__ import annotations

import pytest

from accounts.entra.claims import claimed_addresses, trusted_addresses

MEMBER = {"acct": 0, "preferred_username": "Ada@Contoso.example", "email": "ada@mail.example"}


def test_a_members_upn_and_verified_email_are_trusted_the_email_first():
    assert trusted_addresses({**MEMBER, "xms_edov": True}) == {
        "ada@mail.example": "verified_email",
        "ada@contoso.example": "user_principal_name",
    }


@pytest.mark.parametrize("edov", [None, False, "true", "1", 1], ids=repr)
def test_an_email_counts_only_when_entra_says_true(edov):
    claims = {**MEMBER, **({} if edov is None else {"xms_edov": edov})}
    assert trusted_addresses(claims) == {"ada@contoso.example": "user_principal_name"}
    assert claimed_addresses(claims) == ["ada@contoso.example", "ada@mail.example"]


@pytest.mark.parametrize("acct", [None, 1, "0", "guest"], ids=repr)
def test_a_guest_or_an_account_of_unknown_membership_has_nothing_trusted(acct):
    claims = {**MEMBER, "xms_edov": True, "acct": acct}
    if acct is None:
        del claims["acct"]
    assert trusted_addresses(claims) == {}


def test_a_name_that_is_no_address_counts_for_nothing():
    assert trusted_addresses({"acct": 0, "preferred_username": "+4930123456"}) == {}
