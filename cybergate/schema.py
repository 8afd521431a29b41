"""The two OpenAPI documents: the customer API (/api/schema/) and the device gateway
(/device-api/schema/). Each keeps only its own operations (and so only its own security scheme);
one post-processing hook declares the headers every answer carries."""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema

from cybergate.versioning import schema_note

CUSTOMER_PREFIX = "/api/v1/"
GATEWAY_PREFIX = "/device-api/v1/"

_REQUEST_ID = {
    "description": "This request's id (yours when you sent a sane `X-Request-Id`); problem "
    "details repeat it as `instance`.",
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9._:-]{1,200}$"},
    "example": "9f1c2e4b7a3d4f0e8b6a5c2d1e0f9a8b",
}
_RATE_LIMIT_POLICY = {
    "description": "The per-secret quota, as in the IETF draft "
    "draft-ietf-httpapi-ratelimit-headers-10: `q` requests per `w` seconds.",
    "schema": {"type": "string"},
    "example": '"default";q=600;w=60',
}
_RATE_LIMIT = {
    "description": "Where this secret stands in the current window (same draft): `r` requests "
    "remaining, `t` seconds until the window resets.",
    "schema": {"type": "string"},
    "example": '"default";r=598;t=42',
}
_API_VERSION = {
    "description": "The API version that answered (the same as `api_version` of "
    "`GET /api/v1/version`).",
    "schema": {"type": "string"},
    "example": "1.0",
}
_RETRY_AFTER = {
    "description": "Seconds to wait before sending the request again.",
    "schema": {"type": "integer", "minimum": 1},
    "example": 17,
}
_DEPRECATION_HEADERS = {
    "Deprecation": {
        "description": "When what this request used was deprecated (RFC 9745: `@` and a Unix "
        "time); only when it used something deprecated.",
        "schema": {"type": "string", "pattern": "^@[0-9]+$"},
        "example": "@1798761600",
    },
    "Sunset": {
        "description": "From when it may stop working (RFC 8594, an HTTP date).",
        "schema": {"type": "string"},
        "example": "Fri, 01 Jan 2027 00:00:00 GMT",
    },
    "Link": {
        "description": 'Where the API CHANGELOG says what to use instead (`rel="deprecation"`).',
        "schema": {"type": "string"},
        "example": '</api/docs/changelog/#v1-deprecations>; rel="deprecation"',
    },
}
_WWW_AUTHENTICATE = {
    "description": "The authentication scheme to use.",
    "schema": {"type": "string"},
    "example": "Bearer",
}


def customer_endpoints(endpoints: list, **kwargs: Any) -> list:
    return [e for e in endpoints if e[0].startswith(CUSTOMER_PREFIX)]


def gateway_endpoints(endpoints: list, **kwargs: Any) -> list:
    return [e for e in endpoints if e[0].startswith(GATEWAY_PREFIX)]


def close_request_bodies(result: dict, generator: Any, request: Any, public: bool) -> dict:
    """Request bodies refuse unknown fields (cybergate.serializers.StrictInputMixin), and an
    operation whose body has a required field needs a body: say so. (A body of optional fields
    only, such as door-open's, may be left out.)"""
    schemas = result.get("components", {}).get("schemas", {})
    for name, component in schemas.items():
        if name.endswith("Request") and component.get("type") == "object":
            component["additionalProperties"] = False
    for item in result.get("paths", {}).values():
        for method, operation in item.items():
            if method == "parameters" or "requestBody" not in operation:
                continue
            for content in operation["requestBody"]["content"].values():
                if _needs_body(content["schema"], schemas):
                    operation["requestBody"]["required"] = True
    return result


def _needs_body(schema: dict, schemas: dict) -> bool:
    """A required field, or one in every branch of a oneOf (the gateway's call events)."""
    if "$ref" in schema:
        schema = schemas.get(schema["$ref"].rsplit("/", 1)[-1], {})
    if schema.get("required"):
        return True
    branches = schema.get("oneOf") or []
    return bool(branches) and all(_needs_body(branch, schemas) for branch in branches)


def declare_headers(result: dict, generator: Any, request: Any, public: bool) -> dict:
    """Response headers of every operation: X-Request-Id always; API-Version on every customer
    answer, the RateLimit pair on every authenticated one; WWW-Authenticate on 401; Retry-After
    on 429 and 503."""
    for path, item in result.get("paths", {}).items():
        customer = path.startswith(CUSTOMER_PREFIX)
        for method, operation in item.items():
            if method == "parameters":
                continue
            for status, response in operation.get("responses", {}).items():
                headers = response.setdefault("headers", {})
                headers.setdefault("X-Request-Id", _REQUEST_ID)
                if customer:
                    headers.setdefault("API-Version", _API_VERSION)
                if customer and status not in ("401", "403"):
                    headers.setdefault("RateLimit-Policy", _RATE_LIMIT_POLICY)
                    headers.setdefault("RateLimit", _RATE_LIMIT)
                if status == "401":
                    headers.setdefault("WWW-Authenticate", _WWW_AUTHENTICATE)
                if status in ("429", "503"):
                    headers.setdefault("Retry-After", _RETRY_AFTER)
    return result


class PermissionAutoSchema(AutoSchema):
    """Each customer API operation's description ends with the secret permission it needs."""

    # get_operation, not get_description: extend_schema(description=...) replaces the latter.
    def get_operation(self, *args: Any, **kwargs: Any) -> dict | None:
        operation = super().get_operation(*args, **kwargs)
        needed = getattr(self.view, "required_permission", None)
        if operation is None or needed is None:
            return operation
        note = (
            f"**Permission:** `{needed}`. An API secret without it gets 403 "
            "`insufficient_permission`."
        )
        description = operation.get("description")
        operation["description"] = f"{description}\n\n{note}" if description else note
        self._declare_deprecations(operation)
        return operation

    def _declare_deprecations(self, operation: dict) -> None:
        whole = getattr(self.view, "deprecated", None)
        parameters = getattr(self.view, "deprecated_parameters", {})
        if whole is None and not parameters:
            return
        operation["description"] += "\n\n" + schema_note(whole, parameters)
        if whole is not None:
            operation["deprecated"] = True
        for parameter in operation.get("parameters", []):
            if parameter.get("name") in parameters:
                parameter["deprecated"] = True
        for response in operation.get("responses", {}).values():
            response.setdefault("headers", {}).update(_DEPRECATION_HEADERS)
