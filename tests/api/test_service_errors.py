"""Domain errors meet HTTP in one place: cybergate.lib.problems (SERVICE_ERROR_STATUSES)."""

from __future__ import annotations

import importlib
import json
import re
import uuid
from collections.abc import Iterator

import pytest
from django import forms
from django.core.exceptions import ValidationError

from cybergate.lib.errors import ServiceError
from cybergate.lib.forms import add_refusal
from cybergate.lib.problems import (
    SERVICE_ERROR_STATUSES,
    TITLES,
    exception_handler,
    problem_response_for,
)
from devices.services import CallError
from tests.helpers import ROOT, project_apps, python_sources


def _source() -> str:
    return "\n".join(path.read_text() for path in python_sources(*project_apps()))


def _subclasses(kind: type) -> Iterator[type]:
    """Every subclass of `kind`, once each app's services are imported."""
    for app in project_apps():
        if (ROOT / app / "services.py").exists():
            importlib.import_module(f"{app}.services")
    for sub in kind.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _kinds_of_refusal() -> set[type[ServiceError]]:
    return set(_subclasses(ServiceError))


def _raised_codes(text: str, names: str) -> set[str]:
    """The codes `names(...)` is raised with in `text` (a literal or a module constant)."""
    constants = dict(re.findall(r'^(_?[A-Z_]+) = "([a-z_]+)"$', text, re.MULTILINE))
    raised = re.findall(rf"\b(?:{names})\(\s*(\"[a-z_]+\"|_?[A-Z_]+)\s*,", text)
    return {constants.get(code, code).strip('"') for code in raised}


def _service_error_codes() -> set[str]:
    names = "|".join(["ServiceError", *(kind.__name__ for kind in _kinds_of_refusal())])
    return _raised_codes(_source(), names)


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


def test_every_kind_of_refusal_names_its_codes_and_each_has_the_status_the_api_answers():
    kinds = _kinds_of_refusal()
    names = {kind.__name__ for kind in kinds}
    assert {
        "CallError",
        "SecretLimitReached",
        "ApiAccessDisabled",
        "CannotRoll",
        "SupportRequestAlreadyOpen",
        "EndpointLimitReached",
    } <= names, names
    for kind in kinds:
        assert kind.codes, f"{kind.__name__} names no codes"
        for code in kind.codes:
            assert code in SERVICE_ERROR_STATUSES, f"{kind.__name__}: {code} not in the table"
            assert code in TITLES, code
            response = exception_handler(kind(code, "Refused for a reason."), {})
            status = SERVICE_ERROR_STATUSES[code]
            assert response.status_code == status, (kind.__name__, code)
            body = json.loads(response.content)
            if status == 400:  # told as invalid input, like every other 400
                assert body["code"] == "invalid_request"
                assert body["errors"] == {"non_field_errors": ["Refused for a reason."]}
            else:
                assert (body["code"], body["detail"]) == (code, "Refused for a reason.")


def test_each_kind_of_refusal_is_raised_only_with_its_own_codes():
    text = _source()
    for kind in _kinds_of_refusal():
        raised = _raised_codes(text, kind.__name__)
        assert raised <= kind.codes, (kind.__name__, raised - kind.codes)


def test_no_app_refuses_with_a_kind_of_validation_error():
    """ValidationError is for input; a refusal of the state is a ServiceError."""
    apps = set(project_apps())
    own = [kind for kind in _subclasses(ValidationError) if kind.__module__.split(".")[0] in apps]
    assert not own


class _Form(forms.Form):
    name = forms.CharField()


@pytest.mark.parametrize(
    ("refusal", "errors"),
    [
        (
            ServiceError("limit_reached", "At most 4 API secrets."),
            {"__all__": ["At most 4 API secrets."]},
        ),
        (
            ValidationError({"name": ValidationError("Already exists.", code="unique")}),
            {"name": ["Already exists."]},
        ),
        (ValidationError("Out of range."), {"__all__": ["Out of range."]}),
    ],
)
def test_add_refusal_puts_input_errors_on_their_fields_and_refusals_above_the_form(refusal, errors):
    form = _Form({"name": "Door"})
    assert form.is_valid()
    add_refusal(form, refusal)
    assert not form.is_valid()
    assert form.errors == errors


@pytest.mark.django_db
def test_an_acks_unknown_result_is_input_on_its_field_not_a_refusal(world):
    from devices.services import command_ack

    with pytest.raises(ValidationError) as caught:
        command_ack(device=world["front"], command_id=uuid.uuid4(), result="opened")
    assert caught.value.message_dict == {"result": ["Must be 'executed' or 'failed'."]}
    body = json.loads(problem_response_for(caught.value).content)
    assert (body["code"], body["errors"]) == ("invalid_request", caught.value.message_dict)
