"""Logins of support staff for the admin tests: a superuser and a limited staff member."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from tenants.models import User
from tests.conftest import STAFF_TOTP_SECRET
from tests.factories import PASSWORD
from tests.helpers import logged_in


def staff_with(email: str, *codenames: str) -> User:
    """A staff member (no superuser) holding exactly these permissions, with TOTP enrolled
    (support staff cannot reach admin without MFA)."""
    from allauth.mfa.totp.internal.auth import TOTP

    user = User.objects.create_user(email, PASSWORD, is_staff=True)
    TOTP.activate(user, STAFF_TOTP_SECRET)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


@pytest.fixture
def superuser_client(staff_user) -> Client:
    return logged_in(staff_user)


@pytest.fixture
def user_manager(db) -> User:
    """Staff who may view, add and change logins, nothing more."""
    return staff_with("helpdesk@cybergate.example", "view_user", "add_user", "change_user")


@pytest.fixture
def user_manager_client(user_manager) -> Client:
    return logged_in(user_manager)
