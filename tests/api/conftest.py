"""Collection of the customer API tests (the worlds and calls they use: tests/conftest.py)."""

from __future__ import annotations

import contextlib
from pathlib import Path


def pytest_collection_modifyitems(config, items) -> None:
    """schemathesis items of this directory: give them distinct ids, keep the APIs' operations.

    schemathesis 4.32 builds its items with `originalname` only, which on pytest 9 yields the
    bare function name for every operation; pytest-xdist then refuses to distribute them
    ("Different tests were collected"). And its pytest parametrization does not apply the
    schema's include() filter, so anything else a schema lists (the schema views) would come too.
    Private pytest API (`_id`), hence the guard.
    """
    here = Path(__file__).parent
    seen: dict[tuple[str, str], int] = {}
    kept, dropped = [], []
    for item in items:
        label = getattr(item, "operation_label", None)
        if not label or Path(item.path).parent != here:
            kept.append(item)
            continue
        if " /api/v1/" not in label and " /device-api/v1/" not in label:
            dropped.append(item)
            continue
        kept.append(item)
        if item.nodeid.endswith("]"):
            continue
        key = (item.nodeid, label)
        seen[key] = seen.get(key, 0) + 1
        params = label if seen[key] == 1 else f"{label} #{seen[key]}"
        with contextlib.suppress(AttributeError, ValueError):
            item._id = item._id.with_params(params)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
