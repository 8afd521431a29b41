"""Customer API: call groups and a member's availability."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins
from rest_framework.response import Response

from apisecrets.requesttypes import ApiRequest
from audit.services import Actor
from callgroups.models import CallGroup
from callgroups.selectors import call_groups_of, teams_user_or_404
from callgroups.serializers import (
    AvailabilityUpdateSerializer,
    CallGroupMemberSerializer,
    CallGroupSerializer,
)
from callgroups.services import call_group_member_set_availability
from cybergate.lib.apiviews import (
    CURSOR_400,
    USER_PARAMETER,
    CustomerAPIView,
    CustomerGenericAPIView,
    parse_id,
    problem_responses,
)
from cybergate.lib.clientinfo import client_ip
from cybergate.lib.pagination import NamedCursorPagination
from cybergate.lib.problems import Problem

TAG = "Call groups"

ID_PARAMETER = OpenApiParameter(
    "id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The call group's id."
)
NO_CALL_GROUP = "No call group with this id."


class CallGroupListView(mixins.ListModelMixin, CustomerGenericAPIView):
    required_permission = "read"
    serializer_class = CallGroupSerializer
    pagination_class = NamedCursorPagination
    query_parameters = frozenset({"cursor", "limit"})

    request: ApiRequest

    def get_queryset(self) -> QuerySet[CallGroup]:
        return call_groups_of(self.request.tenant)

    @extend_schema(
        operation_id="call_groups_list",
        summary="Call groups",
        description="The tenant's call groups with their members in ring order, by name.",
        tags=[TAG],
        responses={
            200: OpenApiResponse(
                CallGroupSerializer(many=True),
                description="A page of call groups; `next` is the following page's URL, if any.",
            ),
            **problem_responses(400, s400=CURSOR_400),
        },
    )
    def get(self, request: ApiRequest) -> Response:
        return self.list(request)


class CallGroupDetailView(mixins.RetrieveModelMixin, CustomerGenericAPIView):
    required_permission = "read"
    serializer_class = CallGroupSerializer
    not_found_detail = NO_CALL_GROUP

    request: ApiRequest

    def get_queryset(self) -> QuerySet[CallGroup]:
        return call_groups_of(self.request.tenant)

    @extend_schema(
        operation_id="call_groups_retrieve",
        summary="Call group",
        description="One call group of the tenant with its members in ring order.",
        tags=[TAG],
        parameters=[ID_PARAMETER],
        responses={
            200: OpenApiResponse(CallGroupSerializer, description="The call group."),
            **problem_responses(404),
        },
    )
    def get(self, request: ApiRequest, id) -> Response:  # `id`: the URL keyword
        return self.retrieve(request)


class MemberAvailabilityView(CustomerAPIView):
    required_permission = "availability"

    @extend_schema(
        operation_id="call_group_member_availability_update",
        summary="Set a member's availability",
        description=(
            "Only available members are rung. Writes the audit entry "
            "`call_group.availability_changed` when the value changes."
        ),
        tags=[TAG],
        parameters=[ID_PARAMETER, USER_PARAMETER],
        request=AvailabilityUpdateSerializer,
        responses={
            200: OpenApiResponse(
                CallGroupMemberSerializer, description="The member with its availability now."
            ),
            **problem_responses(
                400,
                404,
                415,
                s404=(
                    "`not_found` (unknown call group), `user_not_found` (unknown Teams user) or "
                    "`not_a_member` (the Teams user is not a member of this call group)."
                ),
            ),
        },
    )
    def put(self, request: ApiRequest, id, user: str) -> Response:  # `id`: the URL keyword
        serializer = AvailabilityUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        tenant = request.tenant
        group = tenant.call_groups.filter(id=parse_id(id, NO_CALL_GROUP)).first()
        if group is None:
            raise Problem(404, "not_found", NO_CALL_GROUP)
        teams_user = teams_user_or_404(tenant, user)
        member = group.memberships.filter(user=teams_user).first()
        if member is None:
            raise Problem(404, "not_a_member", "The Teams user is not a member of this call group.")
        member = call_group_member_set_availability(
            tenant=tenant,
            actor=Actor.for_api_secret(request.auth),
            member=member,
            availability=serializer.validated_data["availability"],
            ip=client_ip(request),
        )
        return Response(CallGroupMemberSerializer(member).data)
