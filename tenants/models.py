from __future__ import annotations

import uuid
from typing import ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone


class Tenant(models.Model):
    """A customer organisation. Everything a tenant admin or an API secret sees hangs off one."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200, unique=True)
    domain = models.CharField(
        max_length=253, blank=True, help_text="SIP domain of the tenant's call groups."
    )
    api_access_enabled = models.BooleanField(default=False)
    mfa_required = models.BooleanField(
        "MFA required",
        default=False,
        help_text="Every user of this tenant must set up two-factor authentication.",
    )
    entra_tenant_id = models.UUIDField(
        "Entra tenant id",
        null=True,
        blank=True,
        unique=True,
        help_text="The organisation's Microsoft Entra ID tenant id: its users may sign in with "
        "Microsoft.",
    )
    entra_admins_may_sign_in = models.BooleanField(
        "Entra users of this organisation may sign in as admins",
        default=False,
        help_text="A first Microsoft sign-in of someone without a login here creates one "
        "(tenant admin). Off: only existing logins of this tenant may sign in with Microsoft.",
    )
    created = models.DateTimeField(default=timezone.now, editable=False)
    # Set on a sandbox: the tenant whose test secrets act on it (tenants.services.tenant_sandbox).
    # A sandbox holds only virtual things, so a test secret reaches no real door and no live row.
    sandbox_of = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sandbox",
        editable=False,
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_sandbox(self) -> bool:
        return self.sandbox_of_id is not None


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A portal login. Tenant admins have a tenant; support staff are `is_staff` without one."""

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=200, blank=True)
    tenant = models.ForeignKey(
        Tenant, null=True, blank=True, on_delete=models.CASCADE, related_name="users"
    )
    time_zone = models.CharField(
        max_length=64, default="UTC", help_text="IANA name; dates on portal pages use it."
    )
    is_staff = models.BooleanField(default=False)
    last_sign_in_method = models.CharField(
        max_length=20, blank=True, help_text="password, passkey or microsoft"
    )
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email

    def save(self, *args, **kwargs) -> None:
        self.email = self.email.lower()
        super().save(*args, **kwargs)


class SupportRequest(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RESOLVED = "resolved", "Resolved"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="support_requests")
    requested_by = models.ForeignKey(
        User, null=True, on_delete=models.SET_NULL, related_name="support_requests"
    )
    contact_email = models.EmailField()
    subject = models.CharField(max_length=200)
    message = models.TextField(max_length=5000)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["tenant", "status"])]

    def __str__(self) -> str:
        return self.subject
