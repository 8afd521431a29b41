"""The customer API's documents beside Swagger UI: the "Integrate in 10 minutes" guide
(/api/docs/guide/) and the CHANGELOG (/api/docs/changelog/), rendered from the Markdown files in
docs/api/ (their one source; the README links to them). Raw HTML in them is escaped."""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

DOCS = {
    "guide": ("guide.md", "Integrate in 10 minutes"),
    "changelog": ("CHANGELOG.md", "API changelog"),
}


@lru_cache(maxsize=len(DOCS))
def rendered(name: str) -> SafeString:
    text = (settings.BASE_DIR / "docs" / "api" / DOCS[name][0]).read_text(encoding="utf-8")
    html = MarkdownIt("commonmark", {"html": False}).enable("table").render(text)
    return mark_safe(html)  # our own Markdown, with its raw HTML escaped


def document(request: HttpRequest, name: str) -> HttpResponse:
    body = rendered(name) if not settings.DEBUG else _fresh(name)
    return render(request, "api/document.html", {"title": DOCS[name][1], "body": body})


def _fresh(name: str) -> SafeString:
    rendered.cache_clear()  # an edited file shows on reload while developing
    return rendered(name)


@receiver(setting_changed)
def _forget(*, setting: str, **kwargs) -> None:
    if setting == "BASE_DIR":
        rendered.cache_clear()
