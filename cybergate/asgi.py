"""ASGI entry point (`cybergate.asgi:application`). Production: gunicorn with uvicorn workers (see
README "Production"). The application, which spares a waiting long-poll a thread and a database
connection, is gateway/asgi.py."""

from __future__ import annotations

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cybergate.settings")
# Django runs each ASGI request's synchronous part in a thread of its own: a connection kept for
# CONN_MAX_AGE would outlive its thread until the garbage collector closes it. As Django advises
# under ASGI, no persistent connections here (DATABASE_POOL_SIZE gives a bounded pool instead).
os.environ.setdefault("CONN_MAX_AGE", "0")
django.setup(set_prefix=False)

from cybergate.lib import metrics  # noqa: E402
from gateway import capacity  # noqa: E402
from gateway.asgi import GatewayApplication  # noqa: E402 - needs django.setup()

# The gateway pool's capacity for waiting polls (alerts compare the waiting ones with it), which
# the open-file limit may cap (logged here, at start).
metrics.gateway_polls_waiting_limit.set(capacity.max_waiting())

application = GatewayApplication()
