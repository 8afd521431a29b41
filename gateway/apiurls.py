"""The URLconf of the customer API's long-polls on the gateway pool (gateway/asgi.py): the
long-pollable reads as async views (gateway/apilongpoll.py), then every other route as usual (for
reverse(), and every path the patterns above do not take)."""

from __future__ import annotations

from django.conf import settings
from django.urls import include, path

from audit.api import AuditTrailView
from devices.api import CallLogView, DoorOpenCommandView
from gateway.apilongpoll import long_pollable

urlpatterns = [
    path("api/v1/call-log", long_pollable(CallLogView.as_view())),
    path("api/v1/audit-trail", long_pollable(AuditTrailView.as_view())),
    path("api/v1/door-open-commands/<str:id>", long_pollable(DoorOpenCommandView.as_view())),
    path("", include(settings.ROOT_URLCONF)),
]
