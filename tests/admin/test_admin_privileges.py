"""Only superusers grant power in admin: staff with `change_user` cannot raise anyone's privileges,
their own included, nor take over another staff account (issue 7, item 3)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission

from audit.models import AuditEntry
from tenants.models import User
from tests.admin.conftest import staff_with
from tests.factories import PASSWORD
from tests.helpers import logged_in

pytestmark = pytest.mark.django_db

PRIVILEGE_INPUTS = [
    'name="is_staff"',
    'name="is_superuser"',
    'name="groups"',
    'name="user_permissions"',
]


@pytest.fixture
def powerful_group(db) -> Group:
    group = Group.objects.create(name="everything")
    group.permissions.set(Permission.objects.all())
    return group


def change_url(user: User) -> str:
    return f"/admin/tenants/user/{user.pk}/change/"


def escalating_post(user: User, group: Group, **fields) -> dict:
    """The change form as a browser would send it, plus every privilege field set."""
    return {
        "email": user.email,
        "full_name": fields.get("full_name", user.full_name),
        "tenant": str(user.tenant_id or ""),
        "time_zone": "UTC",
        "is_active": "on",
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "last_login_0": "",
        "last_login_1": "",
        "is_staff": "on",
        "is_superuser": "on",
        "groups": [str(group.pk)],
        "user_permissions": [str(p.pk) for p in Permission.objects.all()[:5]],
    }


def assert_unprivileged(user: User, *, staff: bool) -> None:
    user.refresh_from_db()
    assert user.is_superuser is False
    assert user.is_staff is staff
    assert not user.groups.exists()


def test_privilege_fields_are_not_editable_for_staff_without_superuser(
    user_manager_client, user_manager, admin_user
):
    for url in [change_url(user_manager), change_url(admin_user), "/admin/tenants/user/add/"]:
        response = user_manager_client.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        for field in PRIVILEGE_INPUTS:
            assert field not in html, (url, field)


def test_staff_cannot_make_itself_superuser(user_manager_client, user_manager, powerful_group):
    permissions_before = set(user_manager.user_permissions.values_list("pk", flat=True))
    response = user_manager_client.post(
        change_url(user_manager),
        escalating_post(user_manager, powerful_group, full_name="Helpdesk"),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user_manager.refresh_from_db()
    assert user_manager.full_name == "Helpdesk"  # the form was saved, the privileges ignored
    assert_unprivileged(user_manager, staff=True)
    assert set(user_manager.user_permissions.values_list("pk", flat=True)) == permissions_before


def test_staff_cannot_raise_a_tenant_admin(user_manager_client, admin_user, powerful_group):
    response = user_manager_client.post(
        change_url(admin_user), escalating_post(admin_user, powerful_group, full_name="Alice")
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    admin_user.refresh_from_db()
    assert admin_user.full_name == "Alice"
    assert_unprivileged(admin_user, staff=False)
    assert not admin_user.user_permissions.exists()


def test_staff_cannot_create_a_privileged_user(user_manager_client, tenant, powerful_group):
    response = user_manager_client.post(
        "/admin/tenants/user/add/",
        {
            "email": "new@acme.example",
            "tenant": str(tenant.pk),
            "time_zone": "UTC",
            "usable_password": "true",
            "password1": "a-long-enough-password-42",
            "password2": "a-long-enough-password-42",
            "is_staff": "on",
            "is_superuser": "on",
            "groups": [str(powerful_group.pk)],
            "user_permissions": [str(p.pk) for p in Permission.objects.all()[:5]],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    created = User.objects.get(email="new@acme.example")
    assert_unprivileged(created, staff=False)
    assert not created.user_permissions.exists()


def test_staff_cannot_take_over_a_superuser_or_other_staff(
    user_manager_client, staff_user, powerful_group
):
    colleague = staff_with("colleague@cybergate.example", "view_user")
    for target in (staff_user, colleague):
        post = escalating_post(target, powerful_group)
        post["email"] = "attacker@evil.example"
        assert user_manager_client.post(change_url(target), post).status_code == 403
        password = user_manager_client.post(
            f"/admin/tenants/user/{target.pk}/password/",
            {
                "usable_password": "true",
                "password1": "Pwned-password-42",
                "password2": "Pwned-password-42",
            },
        )
        assert password.status_code == 403
        target.refresh_from_db()
        assert target.email != "attacker@evil.example"
        assert target.check_password(PASSWORD)


def test_staff_with_group_permissions_cannot_change_groups(powerful_group):
    client = logged_in(staff_with("groups@cybergate.example", "view_group", "change_group"))
    url = f"/admin/auth/group/{powerful_group.pk}/change/"
    assert 'name="permissions"' not in client.get(url).content.decode()
    assert client.post(url, {"name": "mine", "permissions": []}).status_code == 403
    powerful_group.refresh_from_db()
    assert powerful_group.name == "everything"


def test_superuser_still_grants_privileges(superuser_client, admin_user, powerful_group):
    html = superuser_client.get(change_url(admin_user)).content.decode()
    assert all(field in html for field in PRIVILEGE_INPUTS)
    post = escalating_post(admin_user, powerful_group)
    post["is_superuser"] = ""
    response = superuser_client.post(change_url(admin_user), post)
    assert response.status_code == 302, response.content.decode()[:2000]
    admin_user.refresh_from_db()
    assert admin_user.is_staff and not admin_user.is_superuser
    assert list(admin_user.groups.all()) == [powerful_group]
    entry = AuditEntry.objects.get(action="user.changed")
    assert entry.details["fields"]["is_staff"] == {"old": False, "new": True}
    assert entry.details["fields"]["groups"] == {"old": [], "new": ["everything"]}
