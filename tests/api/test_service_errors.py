"""Domain errors meet HTTP in one place: cybergate.problems (SERVICE_ERROR_STATUSES)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from django.core.exceptions import ValidationError

from cybergate.errors import ServiceError
from cybergate.problems import SERVICE_ERROR_STATUSES, TITLES, problem_response_for
from devices.services import CallError

ROOT = Path(__file__).resolve().parents[2]
APPS = ("accounts", "apisecrets", "audit", "callgroups", "devices", "gateway", "tenants")


def _service_error_codes() -> set[str]:
    text = "\n".join(
        p.read_text()
        for app in APPS
        for p in (ROOT / app).rglob("*.py")
        if "migrations" not in p.parts
    )
    constants = dict(re.findall(r'^(_?[A-Z_]+) = "([a-z_]+)"$', text, re.MULTILINE))
    raised = re.findall(r"(?:ServiceError|CallError)\(\s*(\"[a-z_]+\"|_?[A-Z_]+)\s*,", text)
    return {constants.get(code, code).strip('"') for code in raised}


def test_every_code_a_service_raises_has_its_status_and_title():
    codes = _service_error_codes()
    assert {"not_found", "user_busy", "idempotency_key_reused", "not_delivered"} <= codes
    assert codes <= set(SERVICE_ERROR_STATUSES), codes - set(SERVICE_ERROR_STATUSES)
    assert set(SERVICE_ERROR_STATUSES) <= set(TITLES)
    assert "status" not in ServiceError("x", "y").__dict__  # no HTTP inside services


def test_a_service_error_becomes_problem_details_with_the_tables_status():
    response = problem_response_for(CallError("idempotency_key_reused", "Used for another."))
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    body = json.loads(response.content)
    assert body["code"] == "idempotency_key_reused"
    assert body["title"] == TITLES["idempotency_key_reused"]
    assert body["detail"] == "Used for another."
    assert problem_response_for(ServiceError("user_busy", "Busy.")).status_code == 409


def test_a_django_validation_error_becomes_invalid_request_with_field_errors():
    error = ValidationError({"name": ["Enter a name."], "__all__": ["Choose one."]}, code="invalid")
    response = problem_response_for(error)
    assert response.status_code == 400
    body = json.loads(response.content)
    assert body["code"] == "invalid_request"
    assert body["errors"] == {"name": ["Enter a name."], "non_field_errors": ["Choose one."]}
    assert body["detail"] == "The request is invalid: check name, non_field_errors."

    plain = json.loads(problem_response_for(ValidationError("Out of range.")).content)
    assert plain["errors"] == {"non_field_errors": ["Out of range."]}
