"""Content-Security-Policy on every answer; `Cache-Control: no-store, private` when signed in."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from asgiref.sync import async_to_sync
from csp.constants import NONCE
from csp.utils import build_policy
from django.http import HttpResponse

from cybergate.lib.headers import ContentSecurityPolicyMiddleware, fixed_policy

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
PORTAL_PAGES = ["/api-access/", "/audit-trail/", "/call-log/", "/call-log.csv", "/api-access/new/"]


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    out = {}
    for part in header.split(";"):
        name, *values = part.split()
        out[name] = values
    return out


def assert_strict(response) -> None:
    policy = directives(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval'
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]


@pytest.mark.parametrize("path", ["/accounts/login/", "/api/docs/", "/healthz"])
def test_pages_anyone_sees_carry_the_strict_policy(client, db, path):
    response = client.get(path)
    assert response.status_code == 200
    assert_strict(response)


@pytest.mark.parametrize("path", PORTAL_PAGES)
def test_signed_in_pages_carry_the_policy_and_are_never_stored(admin_client, path):
    response = admin_client.get(path)
    assert response.status_code == 200
    assert_strict(response)
    cache_control = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"no-store", "private"} <= cache_control
    assert "public" not in cache_control


def test_htmx_fragments_of_signed_in_pages_are_never_stored(admin_client):
    response = admin_client.get("/api-access/", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_admin_pages_are_never_stored(client, staff_user):
    client.force_login(staff_user)
    response = client.get("/admin/")
    assert response.status_code == 200
    assert_strict(response)
    assert {"no-store", "private"} <= {d.strip() for d in response["Cache-Control"].split(",")}


def test_signed_in_pages_are_never_stored_under_asgi(async_client, admin_user):
    async def get():
        await async_client.aforce_login(admin_user)
        return await async_client.get("/audit-trail/")

    response = async_to_sync(get)()
    assert response.status_code == 200
    assert {"no-store", "private"} <= {d.strip() for d in response["Cache-Control"].split(",")}
    assert_strict(response)


def test_the_api_answers_carry_the_policy_but_no_session_cache_rules(api_client):
    response = api_client.get("/api/v1/version")
    assert response.status_code == 200
    assert_strict(response)
    assert "private" not in response.get("Cache-Control", "")


def test_swagger_ui_loads_its_init_script_from_a_url_not_inline(client, db):
    page = client.get("/api/docs/").content.decode()
    assert "<style" not in page
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
    assert scripts and all('src="' in attrs and not body.strip() for attrs, body in scripts)
    init = client.get("/api/docs/", {"script": ""})
    assert init.status_code == 200
    assert init["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in init.content.decode()


def test_no_template_has_an_inline_script_style_or_event_handler():
    offenders = []
    for template in TEMPLATES.rglob("*.html"):
        text = re.sub(
            r"{#.*?#}|{% comment %}.*?{% endcomment %}", "", template.read_text(), flags=re.S
        )
        for attrs, body in re.findall(r"<script([^>]*)>(.*?)</script>", text, re.S):
            if "src=" not in attrs or body.strip():
                offenders.append(f"{template}: inline <script>")
        if re.search(r"<style[\s>]", text) or re.search(r"\son[a-z]+\s*=", text):
            offenders.append(f"{template}: inline style or event handler")
        if re.search(r'\sstyle\s*=\s*"', text):
            offenders.append(f"{template}: style attribute")
    assert offenders == []


def test_the_fixed_policy_is_the_one_django_csp_builds(rf):
    response = ContentSecurityPolicyMiddleware(lambda request: HttpResponse())(rf.get("/"))
    assert response["Content-Security-Policy"] == build_policy() == fixed_policy()


def test_a_per_view_change_or_a_nonce_still_takes_django_csps_path(rf, settings):
    def view(request):
        response = HttpResponse()
        response._csp_update = {"img-src": ["https://img.example"]}
        return response

    response = ContentSecurityPolicyMiddleware(view)(rf.get("/"))
    assert "img-src 'self' data: https://img.example" in response["Content-Security-Policy"]

    def nonce_view(request):
        return HttpResponse(str(request.csp_nonce))

    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"script-src": ["'self'", NONCE]}}

    response = ContentSecurityPolicyMiddleware(nonce_view)(rf.get("/"))
    nonce = response.content.decode()
    assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]


def test_a_changed_setting_changes_the_policy(settings, client, db):
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'none'"]}}
    assert client.get("/healthz")["Content-Security-Policy"] == "default-src 'none'"
