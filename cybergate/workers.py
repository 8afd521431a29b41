"""The gateway pool's gunicorn worker: uvicorn, with its own X-Forwarded-For handling off.

uvicorn rewrites the client address from X-Forwarded-For when the peer is in gunicorn's
`forwarded_allow_ips` (127.0.0.1 by default), by its own rules; the WSGI web pool never does. The
client address is decided in one place for both pools instead (cybergate/http.py `client_ip`,
settings.TRUSTED_PROXIES), so here uvicorn passes the peer's address through unchanged, whatever
gunicorn's options or FORWARDED_ALLOW_IPS say.

The event loop is uvloop (requirements.txt), named rather than left to uvicorn's "auto", which
would silently fall back to the pure-Python asyncio loop when it is missing: a gateway process
holding thousands of waiting polls spends much of its CPU in the loop (issue 13). The HTTP
protocol stays h11, also named: uvicorn's httptools protocol writes every response header name
in lower case, so the gateway's answers would no longer be byte for byte those of the web pool
(tests/gateway/test_lean.py compares them).
"""

from __future__ import annotations

import gc

from uvicorn_worker import UvicornWorker as _UvicornWorker


class UvicornWorker(_UvicornWorker):
    CONFIG_KWARGS = {
        **_UvicornWorker.CONFIG_KWARGS,
        "proxy_headers": False,
        "loop": "uvloop",
        "http": "h11",
    }

    def run(self) -> None:
        # The application is loaded: what exists now (modules, settings, URL patterns) lives as
        # long as the process. Frozen, the collector no longer walks it on each full collection,
        # which with thousands of waiting polls held is what stalls the loop longest.
        gc.collect()
        gc.freeze()
        super().run()
