"""The typed customer API request: what the bearer authentication adds, for the type checker.

API views annotate their `request` with `ApiRequest` instead of DRF's `Request`, so that
`request.auth` is the `ApiSecret` and `request.tenant` its tenant, as
`apisecrets.authentication.ApiSecretAuthentication` sets them. An annotation only: nothing
creates one, and at run time a request is still DRF's own.

Here, in the app that authenticates, rather than in `cybergate.lib`, which imports no app (not
even for its annotations: tests/test_import_contracts.py); the library's API views type what
they need themselves (`cybergate.lib.apiviews.ReaderRequest`). An app below apisecrets in the
layers (.importlinter) imports `ApiRequest` only under `TYPE_CHECKING`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rest_framework.request import Request

if TYPE_CHECKING:
    from apisecrets.models import ApiSecret
    from cybergate.lib.apiviews import AuthenticatedRequest
    from cybergate.lib.feeds import Reader
    from tenants.models import Tenant

    class ApiRequest(AuthenticatedRequest[ApiSecret]):
        tenant: Tenant

    def _reads_feeds(secret: ApiSecret) -> Reader:
        # The library's new-entries views take the same request's `auth` as a feeds.Reader
        # (cybergate.lib.apiviews.ReaderRequest): mypy checks here that an ApiSecret is one.
        return secret

else:
    ApiRequest = Request
