"""The gateway pool's gunicorn worker: uvicorn, with its own X-Forwarded-For handling off.

uvicorn rewrites the client address from X-Forwarded-For when the peer is in gunicorn's
`forwarded_allow_ips` (127.0.0.1 by default), by its own rules; the WSGI web pool never does. The
client address is decided in one place for both pools instead (cybergate/http.py `client_ip`,
settings.TRUSTED_PROXIES), so here uvicorn passes the peer's address through unchanged, whatever
gunicorn's options or FORWARDED_ALLOW_IPS say.
"""

from __future__ import annotations

from uvicorn_worker import UvicornWorker as _UvicornWorker


class UvicornWorker(_UvicornWorker):
    CONFIG_KWARGS = {**_UvicornWorker.CONFIG_KWARGS, "proxy_headers": False}
