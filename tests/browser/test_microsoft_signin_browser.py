"""Sign in with Microsoft in real Chromium against a real OpenID Provider playing Entra ID
(tests/oidc/entra.mjs: npm oidc-provider, one issuer per Entra tenant, Entra's discovery)."""

from __future__ import annotations

import copy
import json
import logging
import re
from datetime import timedelta

import pytest
from allauth.socialaccount.models import SocialAccount
from django.utils import timezone
from playwright.sync_api import expect

from apisecrets.models import ApiSecret
from audit.models import AuditEntry
from tenants.models import User
from tests.factories import PASSWORD, make_admin
from tests.oidc.server import CLIENT_ID, CLIENT_SECRET, entra_provider

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

TID_ACME = "1a2b3c4d-0000-4000-8000-00000000acee"
TID_GLOBEX = "1a2b3c4d-0000-4000-8000-0000000910be"
TID_UNKNOWN = "1a2b3c4d-0000-4000-8000-00000000dead"


def _account(oid: str, tid: str, upn: str, name: str, acct: int | None = 0, **extra) -> dict:
    """An Entra account whose email is its UPN; a member of its organisation (`acct: 0`, Entra's
    optional claim) unless told otherwise (None: a token without the claim)."""
    account = {"oid": oid, "tid": tid, "preferred_username": upn, "email": upn, "name": name}
    return {**account, **({} if acct is None else {"acct": acct}), **extra}


EVE_OID = "00000000-0000-4000-8000-000000000e5e"
DORA_OID = "00000000-0000-4000-8000-00000000d0a0"


ACCOUNTS = [
    _account("00000000-0000-4000-8000-0000000a11ce", TID_ACME, "alice@acme.example", "Alice"),
    _account("00000000-0000-4000-8000-000000000e11", TID_ACME, "newbie@acme.example", "Nell"),
    _account("00000000-0000-4000-8000-000000000b0b", TID_GLOBEX, "bob@globex.example", "Bob"),
    _account("00000000-0000-4000-8000-0000000000f0", TID_UNKNOWN, "x@unknown.example", "X"),
    # A user of Acme's organisation whose email claim is a Globex admin's address.
    {
        **_account("00000000-0000-4000-8000-0000000000ba", TID_ACME, "imp@acme.example", "Not Bob"),
        "email": "Bob@Globex.example",
    },
    # Acme's issuer signs a token claiming Globex's tid: a forged tenant.
    _account(
        "00000000-0000-4000-8000-00000000bad0",
        TID_GLOBEX,
        "mallory@globex.example",
        "Mallory",
        issuer_tid=TID_ACME,
    ),
    # Eve, a member of Acme's organisation, wrote Alice's address into her own email attribute:
    # Entra does not verify it (no xms_edov: true).
    {
        **_account(EVE_OID, TID_ACME, "eve@acme.example", "Eve"),
        "email": "Alice@Acme.example",
        "xms_edov": False,
    },
    # A newcomer given Dora's old address as UPN: Dora's login stays linked to Dora's object id.
    _account("00000000-0000-4000-8000-00000000d0a2", TID_ACME, "dora@acme.example", "Dora II"),
    # Sam, a member whose (unverified) email claim names an address no login has yet.
    {
        **_account("00000000-0000-4000-8000-000000005a00", TID_ACME, "sam@acme.example", "Sam"),
        "email": "ceo@acme.example",
    },
    # Dora's UPN is in the organisation's initial domain; her email's domain is verified.
    {
        **_account(DORA_OID, TID_ACME, "dora@acme.onmicrosoft.com", "Dora"),
        "email": "Dora@Acme.example",
        "xms_edov": True,
    },
    # A guest in Acme's organisation (acct: 1) whose username and even verified email are
    # Alice's; one whose token says nothing of membership (no acct claim); a guest new here.
    _account(
        "00000000-0000-4000-8000-00000000ae57",
        TID_ACME,
        "alice@acme.example",
        "Guest Alice",
        acct=1,
        xms_edov=True,
        login="guest-alice",
    ),
    _account(
        "00000000-0000-4000-8000-00000000a0ac",
        TID_ACME,
        "alice@acme.example",
        "Unsure Alice",
        acct=None,
        login="unsure-alice",
    ),
    _account(
        "00000000-0000-4000-8000-0000000f1a00",
        TID_ACME,
        "vi@fabrikam.example",
        "Vi",
        acct=1,
        xms_edov=True,
    ),
]


@pytest.fixture(scope="session")
def entra_authority(live_server):
    with entra_provider(
        redirect_uri=f"{live_server.url}/accounts/microsoft/login/callback/",
        tenants=[TID_ACME, TID_GLOBEX, TID_UNKNOWN],
        accounts=ACCOUNTS,
    ) as authority:
        yield authority


@pytest.fixture
def entra(settings, entra_authority):
    settings.SOCIALACCOUNT_PROVIDERS = {
        "microsoft": {
            "APPS": [
                {
                    "client_id": CLIENT_ID,
                    "secret": CLIENT_SECRET,
                    "settings": {"authority": entra_authority},
                }
            ],
            "OAUTH_PKCE_ENABLED": True,
        }
    }
    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"]["form-action"].append(entra_authority)
    settings.CONTENT_SECURITY_POLICY = policy
    return entra_authority


@pytest.fixture
def acme(tenant):
    tenant.entra_tenant_id = TID_ACME
    tenant.save()
    return tenant


@pytest.fixture
def globex(other_tenant):
    other_tenant.entra_tenant_id = TID_GLOBEX
    other_tenant.save()
    return other_tenant


def sign_in_with_microsoft(page, upn: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_role("button", name="Sign in with Microsoft").click()
    page.get_by_label("Email, phone, or Skype").fill(upn)
    page.get_by_role("button", name="Next").click()


def test_an_existing_admin_signs_in_with_microsoft_matched_by_upn_then_by_object_id(
    page, entra, acme, admin_user, shot
):
    admin_user.tenant.mfa_required = True  # Entra's MFA counts: no local enrolment asked
    admin_user.tenant.save()
    shot_page = page
    sign_in_with_microsoft(page, "alice@acme.example")
    expect(page).to_have_url(re.compile(r"/api-access/$"))
    expect(page.get_by_role("heading", name="API Access")).to_be_visible()
    shot(shot_page, "microsoft-01-signed-in")
    link = SocialAccount.objects.get(provider="microsoft")
    assert (link.user_id, link.uid) == (admin_user.pk, "00000000-0000-4000-8000-0000000a11ce")
    linked = AuditEntry.objects.get(action="user.microsoft_linked")
    assert linked.details["matched_by"] == "user_principal_name"  # a member's UPN
    entry = AuditEntry.objects.filter(action="user.signed_in").latest("pk")
    assert entry.details == {"method": "microsoft"}
    assert entry.tenant_id == acme.pk

    # The next time the object id decides, even after the email changed here.
    User.objects.filter(pk=admin_user.pk).update(email="alice.renamed@acme.example")
    page.get_by_role("button", name="Log out").click()
    sign_in_with_microsoft(page, "alice@acme.example")
    expect(page).to_have_url(re.compile(r"/api-access/$"))
    assert User.objects.get(pk=admin_user.pk).last_sign_in_method == "microsoft"
    assert User.objects.count() == 1


def test_the_login_page_shows_no_microsoft_button_unless_configured(page, acme):
    page.goto("/accounts/login/")
    expect(page.get_by_role("button", name="Sign in", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Sign in with Microsoft")).to_have_count(0)


def test_an_unknown_organisation_is_refused_with_a_clear_page(page, entra, acme, shot):
    sign_in_with_microsoft(page, "x@unknown.example")
    expect(page.get_by_role("alert")).to_contain_text(
        "Your Microsoft organisation is not connected to CyberGate."
    )
    shot(page, "microsoft-02-unknown-organisation")
    assert not SocialAccount.objects.exists()
    assert User.objects.count() == 0
    refusal = AuditEntry.objects.get(action="user.sign_in_failed")
    assert refusal.details["reason"] == "unknown_organisation"


def test_a_new_user_is_refused_unless_the_tenant_allows_it_then_created_as_its_admin(
    page, entra, acme
):
    sign_in_with_microsoft(page, "newbie@acme.example")
    expect(page.get_by_role("alert")).to_contain_text("may not sign in")
    assert not User.objects.filter(email="newbie@acme.example").exists()
    assert not SocialAccount.objects.exists()

    acme.entra_admins_may_sign_in = True
    acme.save()
    sign_in_with_microsoft(page, "newbie@acme.example")
    expect(page).to_have_url(re.compile(r"/api-access/$"))
    user = User.objects.get(email="newbie@acme.example")
    assert (user.tenant_id, user.is_staff, user.full_name) == (acme.pk, False, "Nell")
    assert not user.has_usable_password()


def test_a_user_of_acmes_organisation_never_reaches_globex(page, entra, acme, globex):
    bob = User.objects.create_user("bob@globex.example", PASSWORD, tenant=globex)
    acme.entra_admins_may_sign_in = True
    acme.save()
    sign_in_with_microsoft(page, "imp@acme.example")  # Acme's tid, Globex's address
    expect(page.get_by_role("alert")).to_contain_text("may not sign in")
    assert not SocialAccount.objects.exists()
    assert User.objects.filter(email__iexact="bob@globex.example").get() == bob
    page.goto("/api-access/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def test_a_token_claiming_another_tenant_than_its_issuer_is_refused(page, entra, acme, globex):
    User.objects.create_user("mallory@globex.example", PASSWORD, tenant=globex)
    sign_in_with_microsoft(page, "mallory@globex.example")
    expect(page.get_by_role("alert")).to_contain_text("Microsoft sign-in did not complete")
    assert not SocialAccount.objects.exists()
    page.goto("/api-access/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def test_reauthentication_through_microsoft_carries_out_the_held_create(
    browser, live_server, entra, acme, admin_user, time_machine, shot
):
    # A login that signs in with Microsoft only, in a browser without JavaScript: the Create
    # form is a plain POST, which allauth holds while Microsoft asks again (prompt=login).
    admin_user.set_unusable_password()
    admin_user.save()
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        sign_in_with_microsoft(page, "alice@acme.example")
        expect(page).to_have_url(re.compile(r"/api-access/$"))
        page.goto("/api-access/new/")
        page.get_by_label("Name").fill("After a break")
        page.get_by_label("read — Read").check()
        time_machine.move_to(timezone.now() + timedelta(minutes=16))  # a break, then Generate
        page.get_by_role("button", name="Generate").click()
        expect(page).to_have_url(
            re.compile(r"/accounts/microsoft/reauthenticate/\?next=%2Fapi-access%2Fnew%2F$")
        )
        assert not ApiSecret.objects.exists()
        shot(page, "microsoft-03-reauthenticate")
        page.get_by_role("button", name="Sign in with Microsoft").click()
        page.get_by_label("Email, phone, or Skype").fill("alice@acme.example")
        page.get_by_role("button", name="Next").click()
        # Back from Microsoft, the held POST is carried out: the secret, shown once.
        expect(page.get_by_role("heading", name="API secret created")).to_be_visible()
        expect(page.get_by_text("After a break")).to_be_visible()
        assert ApiSecret.objects.filter(tenant=acme, name="After a break").count() == 1
        reauth = AuditEntry.objects.filter(action="user.signed_in").latest("pk")
        assert reauth.details == {"method": "microsoft"}
    finally:
        context.close()


def _security_events(caplog) -> list[dict]:
    """The security events (JSON lines, warnings of `cybergate.security`) of the live server."""
    records = [
        r for r in caplog.records if r.name == "cybergate.security" and r.levelno == logging.WARNING
    ]
    return [r.msg if isinstance(r.msg, dict) else json.loads(r.msg) for r in records]


def _refusals() -> list[tuple]:
    entries = AuditEntry.objects.filter(action="user.sign_in_failed").order_by("pk")
    return [(e.tenant_id, e.target, e.details["reason"]) for e in entries]


def test_a_forged_email_claim_never_signs_in_as_the_admin_it_names(
    page, entra, acme, admin_user, caplog, shot
):
    caplog.set_level(logging.INFO, logger="cybergate.security")
    acme.entra_admins_may_sign_in = True  # nor does Eve get a login of her own beside Alice's
    acme.save()
    sign_in_with_microsoft(page, "eve@acme.example")
    expect(page.get_by_role("alert")).to_contain_text(
        "Your Microsoft account could not be matched to your CyberGate login."
    )
    shot(page, "microsoft-04-unverified-email")
    assert not SocialAccount.objects.exists()
    assert list(User.objects.values_list("email", flat=True)) == ["alice@acme.example"]
    page.goto("/api-access/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    assert _refusals() == [(acme.pk, "eve@acme.example", "unverified_email")]
    (event,) = [e for e in _security_events(caplog) if e["event"] == "login_failed"]
    assert (event["reason"], event["method"], event["user"]) == (
        "unverified_email",
        "microsoft",
        "eve@acme.example",
    )
    assert (event["entra_tenant_id"], event["entra_object_id"]) == (TID_ACME, EVE_OID)


def test_a_guest_never_links_to_a_login_nor_becomes_an_admin(
    page, entra, acme, admin_user, caplog, shot
):
    caplog.set_level(logging.INFO, logger="cybergate.security")
    acme.entra_admins_may_sign_in = True
    acme.save()
    for login in ("guest-alice", "unsure-alice", "vi@fabrikam.example"):
        page.context.clear_cookies()  # no session at the provider: this account signs in
        sign_in_with_microsoft(page, login)
        expect(page.get_by_role("alert")).to_contain_text(
            "Guest accounts may not sign in with Microsoft."
        )
        if login == "guest-alice":
            shot(page, "microsoft-05-guest")
    assert not SocialAccount.objects.exists()
    assert list(User.objects.values_list("email", flat=True)) == ["alice@acme.example"]
    assert _refusals() == [
        (acme.pk, "alice@acme.example", "guest"),
        (acme.pk, "alice@acme.example", "guest"),
        (acme.pk, "vi@fabrikam.example", "guest"),
    ]
    events = [e for e in _security_events(caplog) if e["event"] == "login_failed"]
    assert [e["reason"] for e in events] == ["guest"] * 3


def test_a_verified_email_links_the_admin_it_names_then_the_object_id_decides(
    page, entra, acme, caplog
):
    caplog.set_level(logging.INFO, logger="cybergate.security")
    dora = make_admin(acme, "dora@acme.example")
    sign_in_with_microsoft(page, "dora@acme.onmicrosoft.com")
    expect(page).to_have_url(re.compile(r"/api-access/$"))
    link = SocialAccount.objects.get(provider="microsoft")
    assert (link.user_id, link.uid) == (dora.pk, DORA_OID)
    linked = AuditEntry.objects.get(action="user.microsoft_linked")
    assert (linked.tenant_id, linked.target) == (acme.pk, "dora@acme.example")
    assert linked.details == {
        "matched_by": "verified_email",
        "entra_tenant_id": TID_ACME,
        "entra_object_id": DORA_OID,
    }
    # Linked: the next sign-in is by object id, and links nothing again.
    page.get_by_role("button", name="Log out").click()
    page.context.clear_cookies()
    sign_in_with_microsoft(page, "dora@acme.onmicrosoft.com")
    expect(page).to_have_url(re.compile(r"/api-access/$"))
    assert AuditEntry.objects.filter(action="user.microsoft_linked").count() == 1
    assert AuditEntry.objects.filter(action="user.signed_in", target=dora.email).count() == 2
    assert User.objects.count() == 1
    assert not [e for e in _security_events(caplog) if e["event"] == "login_failed"]

    # Another Entra account whose UPN names Dora's login may not take it over.
    page.get_by_role("button", name="Log out").click()
    page.context.clear_cookies()
    sign_in_with_microsoft(page, "dora@acme.example")
    expect(page.get_by_role("alert")).to_contain_text(
        "Your CyberGate login is linked to another Microsoft account."
    )
    assert list(SocialAccount.objects.values_list("user_id", "uid")) == [(dora.pk, DORA_OID)]
    assert _refusals() == [(acme.pk, "dora@acme.example", "linked_elsewhere")]
    page.goto("/api-access/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def test_a_new_admin_is_named_by_the_upn_not_by_an_unverified_email(page, entra, acme):
    acme.entra_admins_may_sign_in = True
    acme.save()
    sign_in_with_microsoft(page, "sam@acme.example")  # email claim: ceo@acme.example
    expect(page).to_have_url(re.compile(r"/api-access/$"))
    (user,) = User.objects.all()
    assert (user.email, user.tenant_id, user.full_name) == ("sam@acme.example", acme.pk, "Sam")
    assert SocialAccount.objects.get().user == user
