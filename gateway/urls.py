"""The device gateway API, mounted at /device-api/v1/ (gateway/views.py, gateway/longpoll.py)."""

from __future__ import annotations

from django.urls import path

from gateway import longpoll, views

urlpatterns = [
    path("calls", views.CallListView.as_view(), name="gateway-calls"),
    path("calls/<str:call_id>/events", views.CallEventView.as_view(), name="gateway-call-events"),
    path("commands", longpoll.commands, name="gateway-commands"),
    path(
        "commands/<str:command_id>/ack",
        views.CommandAckView.as_view(),
        name="gateway-command-ack",
    ),
]
