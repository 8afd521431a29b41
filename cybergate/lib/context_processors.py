from __future__ import annotations

from cybergate.lib.portalerrors import support_context


def support(request) -> dict[str, str | None]:
    """The support address (the footer's help link) and this request's id (error pages)."""
    return support_context()
