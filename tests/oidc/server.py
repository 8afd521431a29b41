"""Start the Entra-like OpenID Provider (tests/oidc/entra.mjs, npm oidc-provider) for a test run.

Its packages come from `npm ci` in tests/oidc (the Makefile's test targets do it); nothing is
installed here.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
CLIENT_ID = "cybergate-test-client"
CLIENT_SECRET = "cybergate-test-client-secret"  # the test provider's, not a real one


@contextmanager
def entra_provider(*, redirect_uri: str, tenants: list[str], accounts: list[dict]) -> Iterator[str]:
    """Run the provider; yields its authority base URL (ENTRA_AUTHORITY)."""
    if not (HERE / "node_modules" / "oidc-provider").is_dir():
        raise RuntimeError("tests/oidc/node_modules is missing: run `npm ci` in tests/oidc")
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("Node.js is needed for the Entra test provider")
    config = {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "redirect_uris": [redirect_uri],
        "tenants": tenants,
        "accounts": accounts,
    }
    process = subprocess.Popen(  # our own script
        [node, str(HERE / "entra.mjs")],
        cwd=HERE,
        env={**os.environ, "ENTRA_TEST_CONFIG": json.dumps(config)},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    try:
        deadline = time.monotonic() + 30
        line = ""
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if line.startswith("READY ") or not line:
                break
        if not line.startswith("READY "):
            raise RuntimeError(f"the Entra test provider did not start: {line!r}")
        yield f"http://127.0.0.1:{int(line.split()[1])}"
    finally:
        process.terminate()
        process.wait(timeout=10)
