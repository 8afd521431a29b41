from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.db.models.lookups import Exact

MULTI_RING_MAX_MEMBERS = 15
SEQUENTIAL_MIN_RING_SECONDS = 5
SEQUENTIAL_MAX_RING_SECONDS = 30


def teams_user_reference(ref: str, *, through: str = "") -> models.Q:
    """Matches the Teams user named by `ref`: a UPN (case-insensitive), an Entra object id or our
    own id. `through` names the relation from another model to the user (`answered_by`), so that
    a query joins the user instead of nesting a subquery. Nothing matches a reference with NUL,
    which no UPN holds and PostgreSQL refuses in a query parameter."""
    prefix = f"{through}__" if through else ""
    ref = (ref or "").strip()
    if "\x00" in ref:
        return models.Q(**{f"{prefix}pk__in": []})
    try:
        as_uuid = uuid.UUID(ref)
    except ValueError:
        # lower(upn) = lower(ref), as the unique index on (tenant, lower(upn)) is written, so that
        # PostgreSQL finds the user by that index (`upn__iexact` compares upper() of both).
        return models.Q(Exact(Lower(f"{prefix}upn"), Lower(models.Value(ref))))
    return models.Q(**{f"{prefix}object_id": as_uuid}) | models.Q(**{f"{prefix}id": as_uuid})


class TeamsUserQuerySet(models.QuerySet):
    def by_reference(self, ref: str) -> TeamsUserQuerySet:
        """Users matching a UPN (case-insensitive), an Entra object id or our own id."""
        return self.filter(teams_user_reference(ref))


class TeamsUser(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey(
        "tenants.Tenant", on_delete=models.CASCADE, related_name="teams_users"
    )
    upn = models.CharField("UPN", max_length=254)
    object_id = models.UUIDField("Entra object id")
    display_name = models.CharField(max_length=200)

    objects = TeamsUserQuerySet.as_manager()

    class Meta:
        ordering = ["display_name"]
        constraints = [
            models.UniqueConstraint("tenant", Lower("upn"), name="teamsuser_upn_unique_per_tenant"),
            models.UniqueConstraint(
                fields=["tenant", "object_id"], name="teamsuser_object_id_unique_per_tenant"
            ),
        ]
        verbose_name = "Teams user"

    def __str__(self) -> str:
        return f"{self.display_name} <{self.upn}>"


class CallGroup(models.Model):
    class RingStrategy(models.TextChoices):
        MULTI_RING = "multi_ring", "Multi-ring (all members, first answer wins)"
        SEQUENTIAL = "sequential", "Sequential (one member at a time)"
        MEETING = "meeting", "Meeting"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey(
        "tenants.Tenant", on_delete=models.CASCADE, related_name="call_groups"
    )
    name = models.CharField(max_length=64)
    ring_strategy = models.CharField(
        max_length=16, choices=RingStrategy.choices, default=RingStrategy.MULTI_RING
    )
    ring_seconds = models.PositiveSmallIntegerField(
        default=15,
        validators=[
            MinValueValidator(SEQUENTIAL_MIN_RING_SECONDS),
            MaxValueValidator(SEQUENTIAL_MAX_RING_SECONDS),
        ],
        help_text="Sequential strategy: how long each member rings (5–30 s).",
    )
    members = models.ManyToManyField(
        TeamsUser, through="CallGroupMember", related_name="call_groups"
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                "tenant", Lower("name"), name="callgroup_name_unique_per_tenant"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def sip_address(self) -> str:
        return f"{self.name}@{self.tenant.domain}" if self.tenant.domain else self.name

    def check_member_count(self, count: int) -> None:
        """A multi-ring group rings all members at once: at most MULTI_RING_MAX_MEMBERS (SPEC)."""
        if self.ring_strategy == self.RingStrategy.MULTI_RING and count > MULTI_RING_MAX_MEMBERS:
            raise ValidationError(
                f"A multi-ring call group has at most {MULTI_RING_MAX_MEMBERS} members."
            )


class CallGroupMember(models.Model):
    class Availability(models.TextChoices):
        AVAILABLE = "available", "Available"
        UNAVAILABLE = "unavailable", "Unavailable"

    call_group = models.ForeignKey(CallGroup, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(TeamsUser, on_delete=models.CASCADE, related_name="memberships")
    position = models.PositiveSmallIntegerField()
    availability = models.CharField(
        max_length=12, choices=Availability.choices, default=Availability.AVAILABLE
    )

    class Meta:
        ordering = ["call_group", "position"]
        constraints = [
            models.UniqueConstraint(fields=["call_group", "user"], name="member_once_per_group"),
            models.UniqueConstraint(
                fields=["call_group", "position"], name="member_position_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.call_group} (#{self.position})"

    def clean(self) -> None:
        if self.user_id and self.call_group_id and self.user.tenant_id != self.call_group.tenant_id:
            raise ValidationError("The Teams user belongs to another tenant.")
