"""The README's deploy commands: the two gunicorn pools never share a control socket."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.settings.test_environment import ROOT


def gunicorn_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    joined = text.replace("\\\n", " ")  # shell line continuations
    return [line for line in joined.splitlines() if re.search(r"(^|\s)gunicorn\s+cybergate", line)]


def test_each_pool_has_its_own_control_socket():
    commands = gunicorn_commands()
    assert len(commands) == 2
    sockets = [re.search(r"--control-socket\s+(\S+)", cmd) for cmd in commands]
    assert all(sockets), commands
    assert len({match.group(1) for match in sockets}) == 2


def test_gunicorn_knows_the_option():
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--help"], capture_output=True, text=True, check=True
    )
    assert "--control-socket" in result.stdout
