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
from django.utils.text import slugify
from markdown_it import MarkdownIt

DOCS = {
    "guide": ("guide.md", "Integrate in 10 minutes"),
    "changelog": ("CHANGELOG.md", "API changelog"),
}


@lru_cache(maxsize=len(DOCS))
def rendered(name: str) -> SafeString:
    text = (settings.BASE_DIR / "docs" / "api" / DOCS[name][0]).read_text(encoding="utf-8")
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    md.add_render_rule("heading_open", _heading_with_id)
    return mark_safe(md.render(text))  # our own Markdown, with its raw HTML escaped


def _heading_with_id(self, tokens, idx, options, env) -> str:
    """Headings get an id from their text ("v1 deprecations" → #v1-deprecations), so a
    deprecation's `Link` can point at its entry."""
    slug = slugify(tokens[idx + 1].content) or "section"
    seen = env.setdefault("ids", set())
    unique, n = slug, 1
    while unique in seen:  # two headings alike: -2, -3, …
        n += 1
        unique = f"{slug}-{n}"
    seen.add(unique)
    tokens[idx].attrSet("id", unique)
    return self.renderToken(tokens, idx, options, env)


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
