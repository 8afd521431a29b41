"""Page weight of each portal page: bytes of HTML + CSS + JS, as sent and gzipped.

Renders the pages in-process (Django test client, a throw-away SQLite database, DEBUG off) with
a tenant that has two API secrets, an audit trail and a call-log entry, then adds up the HTML
and every stylesheet and script the page links. "gzip" is what GZipMiddleware sends for the
HTML and WhiteNoise's pre-compressed files for CSS and JS (both gzip level 9 here).

    .venv/bin/python bench/page_weight.py
"""

from __future__ import annotations

import gzip
import os
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB = Path(tempfile.mkdtemp()) / "weight.sqlite3"
os.environ["DATABASE_URL"] = f"sqlite:///{DB}"
os.environ.pop("REDIS_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cybergate.settings")

import django  # noqa: E402

django.setup()

from django.contrib.staticfiles import finders  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

ASSET = re.compile(r'<(?:link rel="stylesheet" href|script src)="/static/([^"?]+)')


def gz(data: bytes) -> int:
    return len(gzip.compress(data, 9))


def main() -> None:
    call_command("migrate", verbosity=0)
    from audit.services import Actor
    from tests.factories import make_admin, make_api_secrets, make_missed_call, make_tenant

    tenant = make_tenant("Acme")
    user = make_admin(tenant, "alice@acme.example", "x-Long-enough-1")
    make_api_secrets(tenant, ["Door integration", "CRM sync"], actor=Actor.for_user(user))
    make_missed_call(tenant, caller="sip:v@x")
    anonymous, client = Client(HTTP_HOST="localhost"), Client(HTTP_HOST="localhost")
    client.force_login(user)
    pages = [
        ("Sign in", anonymous, "/accounts/login/"),
        ("API Access", client, "/api-access/"),
        ("Create (no JS)", client, "/api-access/new/"),
        ("Audit trail", client, "/audit-trail/"),
        ("Call log", client, "/call-log/"),
        ("Security", client, "/accounts/2fa/"),
        ("Time zone", client, "/accounts/time-zone/"),
        ("404", client, "/no-such-page/"),
    ]
    print(f"{'page':<16}{'HTML':>8}{'CSS':>8}{'JS':>8}{'total':>9}{'gzip':>8}")
    for label, who, url in pages:
        html = who.get(url).content
        sizes = {"css": [0, 0], "js": [0, 0]}
        for asset in ASSET.findall(html.decode()):
            found = finders.find(asset)
            assert isinstance(found, str), asset
            data = Path(found).read_bytes()
            kind = "css" if asset.endswith(".css") else "js"
            sizes[kind][0] += len(data)
            sizes[kind][1] += gz(data)
        total = len(html) + sizes["css"][0] + sizes["js"][0]
        total_gz = gz(html) + sizes["css"][1] + sizes["js"][1]
        print(
            f"{label:<16}{len(html):>8}{sizes['css'][0]:>8}{sizes['js'][0]:>8}"
            f"{total:>9}{total_gz:>8}"
        )


if __name__ == "__main__":
    with override_settings(DEBUG=False):
        main()
