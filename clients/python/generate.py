"""Regenerate the typed client in cybergate_client/generated/ from the customer API's schema.

    make client            # after a change to the API or its schema

The schema comes from this checkout's Django project (no server needed); openapi-python-client
writes the package, any warning is an error. tests/api/test_client_package.py regenerates into a
temporary directory and fails when the committed copy differs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
TARGET = HERE / "cybergate_client" / "generated"
BIN = Path(sys.executable).parent


def schema() -> bytes:
    """The customer API's OpenAPI document, as GET /api/schema/ serves it."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cybergate.settings")
    import django
    from django.test import Client

    django.setup()
    response = Client(HTTP_HOST="127.0.0.1").get(
        "/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json"
    )
    assert response.status_code == 200, response.status_code
    return response.content


def generate(document: bytes, out: Path) -> None:
    """Write the generated package to `out` (which must not exist)."""
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "schema.json"
        path.write_bytes(document)
        result = subprocess.run(
            [
                str(BIN / "openapi-python-client"),
                "generate",
                "--path",
                str(path),
                "--meta",
                "none",
                "--output-path",
                str(Path(work) / "generated"),
                "--fail-on-warning",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=work,
            # Its post-generation hook runs ruff from PATH.
            env={**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"},
        )
        output = result.stdout + result.stderr
        if result.returncode != 0 or "Warning" in output:
            raise RuntimeError(f"openapi-python-client failed:\n{output}")
        shutil.rmtree(Path(work) / "generated" / ".ruff_cache", ignore_errors=True)
        shutil.copytree(Path(work) / "generated", out)


def main() -> None:
    document = schema()
    shutil.rmtree(TARGET, ignore_errors=True)
    generate(document, TARGET)
    print(f"Generated {TARGET.relative_to(REPO)}")


if __name__ == "__main__":
    main()
