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
from datetime import timedelta
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
from django.utils import timezone  # noqa: E402

ASSET = re.compile(r'<(?:link rel="stylesheet" href|script src)="/static/([^"?]+)')


def gz(data: bytes) -> int:
    return len(gzip.compress(data, 9))


def main() -> None:
    call_command("migrate", verbosity=0)
    from apisecrets.services import api_secret_create
    from audit.services import Actor
    from devices.models import CallLogEntry, Device
    from tenants.models import Tenant, User

    tenant = Tenant.objects.create(name="Acme", domain="acme.example", api_access_enabled=True)
    user = User.objects.create_user("alice@acme.example", "x-Long-enough-1", tenant=tenant)
    for name in ["Door integration", "CRM sync"]:
        api_secret_create(tenant=tenant, actor=Actor.for_user(user), name=name, validity_days=90)
    device = Device.objects.create(tenant=tenant, name="Front door", sip_uri="sip:f@a.example")
    now = timezone.now()
    CallLogEntry.objects.create(
        tenant=tenant,
        device_id_public=device.id,
        device_name=device.name,
        caller="sip:v@x",
        started_at=now - timedelta(minutes=3),
        ended_at=now - timedelta(minutes=2),
        result="missed",
    )
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
