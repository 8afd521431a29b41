"""The sandbox's operations against the served schema, with a test secret (schemathesis): the
success bodies of test calls are checked too, which a live secret (403) never reaches."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import given

from devices.models import Call
from sandbox.services import sandbox_call_start
from tests.api.test_schemathesis import _SETTINGS, MAX_EXAMPLES
from tests.factories import make_api_secret
from tests.helpers import bearer as bearer_header

pytestmark = pytest.mark.slow

sandbox_schema = schemathesis.openapi.from_wsgi(
    "/api/schema/?format=json",
    get_wsgi_application(),
    config=schemathesis.Config.from_dict(
        {
            "generation": {"max-examples": MAX_EXAMPLES},
            "operations": [
                {
                    # A random `answer_by` names nobody (404), a drawn one may be in a call
                    # already (409): the right answers to schema-valid bodies.
                    "include-path": "/api/v1/test/calls",
                    "checks": {
                        "positive_data_acceptance": {
                            "expected-statuses": ["2xx", "401", "403", "404", "409", "429"]
                        }
                    },
                }
            ],
        }
    ),
)


@pytest.fixture
def sandbox_bearer(db, settings, tenant) -> dict[str, str]:
    settings.API_RATE_LIMIT = "100000/s"
    settings.AUTH_FAILURE_RATE_LIMIT = "100000/s"
    _, value = make_api_secret(tenant, "sandbox", test=True)
    # Plain answers: the WSGI transport asks for gzip but does not decode it.
    return {**bearer_header(value), "Accept-Encoding": "identity"}


@pytest.fixture(autouse=True)
def _keep_test_connection():
    """As tests/api/test_schemathesis.py: the WSGI handler must not close the test's connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_sandbox_conforms_to_schema(sandbox_bearer, tenant):
    sandbox = tenant.sandbox
    # One item that walks the sandbox's operations (schemathesis's pytest parametrization and
    # get_all_operations() list every operation of the schema, whatever include() says).
    operations = [
        operation
        for operation in (result.ok() for result in sandbox_schema.get_all_operations())
        if operation.path.startswith("/api/v1/test/")
    ]
    assert sorted(operation.path for operation in operations) == [
        "/api/v1/test/calls",
        "/api/v1/test/calls/{id}/end",
    ]
    statuses: dict[int, int] = {}
    for operation in operations:

        @given(case=operation.as_strategy())
        @_SETTINGS
        def conforms(case):
            # Each example starts with the virtual members free: a body without `answer_by`
            # then rings, and its success body is checked.
            Call.objects.filter(state=Call.State.ACTIVE).update(state=Call.State.ENDED)
            if case.path_parameters is not None and sum(statuses.values()) % 2:
                # Every other example hangs up a real test call (a success body), the others
                # a random id (404).
                call = sandbox_call_start(sandbox=sandbox, door_open="execute")
                case.path_parameters["id"] = str(call.id)
            response = case.call_and_validate(headers=sandbox_bearer)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

        conforms()
    assert statuses.get(201) and statuses.get(200), statuses
