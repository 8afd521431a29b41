"""The alerts and the dashboard in deploy/: valid for Prometheus (`promtool check rules`, its unit
tests in alerts_test.yml, the example scrape configuration), and every metric they use is one
the processes expose."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
import yaml

from tests.conftest import needs
from tests.settings.test_environment import ROOT

PROMETHEUS = ROOT / "deploy" / "prometheus"
DASHBOARD = ROOT / "deploy" / "grafana" / "cybergate.json"
_METRIC = re.compile(r"\bcybergate_[a-z0-9_]+")
# The samples a family of each type adds to its name.
_SUFFIXES = {
    "counter": ("_total", "_created"),
    "histogram": ("_bucket", "_sum", "_count", "_created"),
    "gauge": ("",),
}


def promtool(*args: str) -> subprocess.CompletedProcess:
    needs(shutil.which("promtool") is not None, "promtool (Debian package prometheus)")
    return subprocess.run(
        ["promtool", *args], cwd=PROMETHEUS, capture_output=True, text=True, timeout=120
    )


def test_promtool_accepts_the_rules():
    result = promtool("check", "rules", "alerts.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS: 8 rules found" in result.stdout


def test_the_alerts_fire_when_they_should_and_only_then():
    result = promtool("test", "rules", "alerts_test.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_the_example_scrape_configuration_is_valid():
    result = promtool("check", "config", "--syntax-only", "prometheus.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    jobs = [
        job["job_name"]
        for job in yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text())["scrape_configs"]
    ]
    assert jobs == ["cybergate-web", "cybergate-gateway", "cybergate-worker"]


def dashboard_expressions() -> list[str]:
    panels = json.loads(DASHBOARD.read_text())["panels"]
    return [target["expr"] for panel in panels for target in panel.get("targets", [])]


def test_the_dashboard_has_a_row_per_pool():
    panels = json.loads(DASHBOARD.read_text())["panels"]
    rows = [panel["title"].split()[0] for panel in panels if panel["type"] == "row"]
    assert rows == ["Web", "Gateway", "Worker"]
    assert all(panel.get("targets") for panel in panels if panel["type"] != "row")


@pytest.mark.django_db
def test_every_metric_in_the_alerts_and_the_dashboard_is_exposed(client, settings):
    settings.METRICS_ALLOWED = ["127.0.0.0/8"]
    response = client.get("/metrics")
    assert response.status_code == 200
    exposed = {
        name.removesuffix("_total") + suffix
        for name, kind in re.findall(r"^# TYPE (\S+) (\S+)$", response.content.decode(), re.M)
        for suffix in _SUFFIXES.get(kind, ("",))
    }
    used_in_alerts = set(_METRIC.findall((PROMETHEUS / "alerts.yml").read_text()))
    used_in_tests = set(_METRIC.findall((PROMETHEUS / "alerts_test.yml").read_text()))
    used_in_dashboard = {name for expr in dashboard_expressions() for name in _METRIC.findall(expr)}

    assert len(used_in_alerts) >= 5 and len(used_in_dashboard) >= 15
    assert used_in_alerts - exposed == set()
    assert used_in_tests - exposed == set()
    assert used_in_dashboard - exposed == set()
