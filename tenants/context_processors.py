from __future__ import annotations


def tenant(request) -> dict:
    return {"tenant": getattr(request, "tenant", None)}
