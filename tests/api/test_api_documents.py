"""The "Integrate in 10 minutes" guide and the API changelog are served beside Swagger UI,
rendered from docs/api/ (their one source), linked from Swagger UI and the portal."""

from __future__ import annotations

import json

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db


def test_the_guide_is_served_as_html_from_its_markdown(client):
    response = client.get("/api/docs/guide/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert '<h1 id="integrate-in-10-minutes">Integrate in 10 minutes</h1>' in html
    assert "The new-entries loop" in html and "Idempotency-Key" in html
    assert '<pre><code class="language-python">' in html
    assert response["API-Version"] == "1.0"


def test_the_changelog_is_served_and_names_this_rounds_changes(client):
    html = client.get("/api/docs/changelog/").content.decode()
    assert '<h1 id="customer-api-changelog">Customer API changelog</h1>' in html
    for change in ("call_mismatch", "Idempotent-Replayed", "API-Version", "Deprecation"):
        assert change in html, change
    # Deprecation links point at headings: they have ids.
    assert '<h2 id="v1-deprecations">v1 deprecations</h2>' in html


def test_one_source_the_readme_links_to_the_guide(client):
    readme = (settings.BASE_DIR / "README.md").read_text()
    assert "docs/api/guide.md" in readme and "/api/docs/guide/" in readme
    assert "The new-entries loop: GET" not in readme  # not a second copy


def test_swagger_ui_and_the_portal_link_to_it(client, admin_client):
    schema = json.loads(
        client.get("/api/schema/", headers={"Accept": "application/vnd.oai.openapi+json"}).content
    )
    assert "(/api/docs/guide/)" in schema["info"]["description"]
    assert 'href="/api/docs/guide/"' in admin_client.get("/api-access/").content.decode()


def test_raw_html_in_the_markdown_is_escaped(settings, tmp_path, client):
    (tmp_path / "docs" / "api").mkdir(parents=True)
    (tmp_path / "docs" / "api" / "guide.md").write_text(
        "# G\n\n<script>alert(1)</script>\n\n## A\n\n## A\n"
    )
    settings.BASE_DIR = tmp_path
    settings.DEBUG = True  # re-read the file
    html = client.get("/api/docs/guide/").content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert '<h2 id="a">A</h2>' in html and '<h2 id="a-2">A</h2>' in html  # ids stay unique


def test_the_pages_pass_the_content_security_policy(client):
    response = client.get("/api/docs/guide/")
    assert "Content-Security-Policy" in response
    assert "<style" not in response.content.decode()
    assert "style=" not in response.content.decode()
