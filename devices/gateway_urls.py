"""The device gateway API, mounted at /device-api/v1/ (see devices/gateway.py)."""

from __future__ import annotations

from django.urls import path

from devices import gateway

urlpatterns = [
    path("calls", gateway.CallListView.as_view(), name="gateway-calls"),
    path(
        "calls/<uuid:call_id>/events", gateway.CallEventView.as_view(), name="gateway-call-events"
    ),
    path("commands", gateway.commands, name="gateway-commands"),
    path(
        "commands/<uuid:command_id>/ack",
        gateway.CommandAckView.as_view(),
        name="gateway-command-ack",
    ),
]
