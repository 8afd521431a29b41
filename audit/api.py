"""Customer API: new audit trail entries."""

from __future__ import annotations

from rest_framework.response import Response

from audit.models import AuditEntry
from audit.serializers import AuditPageSerializer
from cybergate.lib.apiviews import (
    NewEntriesAckAPIView,
    NewEntriesAPIView,
    ReaderRequest,
    ack_schema,
    new_entries_schema,
)
from cybergate.lib.feeds import Feed

AUDIT_FEED = Feed("audit", AuditEntry, "audit_position")


class AuditTrailView(NewEntriesAPIView):
    required_permission = "read"
    feed = AUDIT_FEED
    page_serializer_class = AuditPageSerializer

    @new_entries_schema(
        summary="New audit trail entries", tag="Audit trail", page_serializer=AuditPageSerializer
    )
    def get(self, request: ReaderRequest) -> Response:
        return super().get(request)


class AuditTrailAckView(NewEntriesAckAPIView):
    required_permission = "read"
    feed = AUDIT_FEED

    @ack_schema(summary="Acknowledge audit trail entries", tag="Audit trail")
    def post(self, request: ReaderRequest) -> Response:
        return super().post(request)
