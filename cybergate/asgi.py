"""ASGI entry point (`cybergate.asgi:application`). Production: gunicorn with uvicorn workers (see
README "Production"). The handler, which spares the device gateway's long-poll a thread per
waiting device, is gateway/asgi.py."""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

from gateway.asgi import CyberGateASGIHandler

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cybergate.settings")

get_asgi_application()  # django.setup(), as Django's own entry point does

from cybergate import metrics  # noqa: E402
from gateway import capacity  # noqa: E402
from gateway.lean import LeanGateway  # noqa: E402 - needs django.setup()

# The gateway pool's capacity for waiting polls (alerts compare the waiting ones with it), which
# the open-file limit may cap (logged here, at start).
metrics.gateway_polls_waiting_limit.set(capacity.max_waiting())

# `GET /device-api/v1/commands` is served by the lean path (gateway/lean.py) where it can be;
# everything else, and that path where it cannot, by Django.
application = LeanGateway(CyberGateASGIHandler())
