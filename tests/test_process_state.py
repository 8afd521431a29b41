"""Process-level state (module dicts: memos, local caches, counts) is reset around every test by
the one autouse fixture in tests/conftest.py, through each module's reset_for_tests()."""

from __future__ import annotations

import importlib
import re

from tests.conftest import STATEFUL_MODULES
from tests.helpers import ROOT, project_apps, python_sources

# A lower-case module-level name bound to a dict or set: state that fills while the process runs
# (upper-case names are constant tables).
_STATE = re.compile(
    r"^(_?[a-z][a-z0-9_]*)\s*(?::[^=\n]+)?=\s*(?:\{|dict\(|set\(|defaultdict\()", re.MULTILINE
)
# State that no test's requests touch in the test process, and why.
NOT_RESET = {
    # Collectors registered once at start-up, and Prometheus series that count across tests.
    "cybergate.lib.metrics",
    # The event-loop probe and the lean long-poll path live in the gateway's server processes,
    # which the tests start with servers of their own.
    "gateway.loopprobe",
    "gateway.lean",
}


def _module_state() -> dict[str, list[str]]:
    """module name → its module-level state names."""
    found: dict[str, list[str]] = {}
    for path in python_sources(*project_apps(), "cybergate"):
        if "management" in path.parts:
            continue
        names = _STATE.findall(path.read_text())
        if names:
            found[".".join(path.relative_to(ROOT).with_suffix("").parts)] = names
    return found


def test_every_module_with_process_state_is_reset_around_each_test():
    state = _module_state()
    assert {"apisecrets.cache", "cybergate.lib.throttling", "accounts.lockout"} <= set(state)
    missing = set(state) - set(STATEFUL_MODULES) - NOT_RESET
    assert not missing, f"add reset_for_tests() and list in tests/conftest.py: {missing}"


def test_each_reset_for_tests_empties_all_of_its_modules_state():
    state = _module_state()
    for name in STATEFUL_MODULES:
        module = importlib.import_module(name)
        for attribute in state.get(name, []):
            getattr(module, attribute)["probe"] = 1
        module.reset_for_tests()
        for attribute in state.get(name, []):
            assert not getattr(module, attribute), f"{name}.{attribute} survives reset_for_tests"


def test_the_tls_context_is_made_anew_after_a_reset():
    from webhooks import worker

    first = worker._tls()
    assert worker._tls() is first
    worker.reset_for_tests()
    assert worker._tls() is not first
