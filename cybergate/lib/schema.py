"""The two OpenAPI documents: the customer API (/api/schema/) and the device gateway
(/device-api/schema/). Each keeps only its own operations (and so only its own security scheme);
post-processing hooks open the enums of answers to values added later, list each API's own
problem codes, name the server and declare the headers every answer carries."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.openapi import AutoSchema

from cybergate.lib.problems import CUSTOMER_PROBLEM_CODES, GATEWAY_PROBLEM_CODES, TITLES
from cybergate.lib.versioning import schema_note

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
    """Request bodies refuse unknown fields (cybergate.lib.serializers.StrictInputMixin), and an
    operation whose body has a required field (in each of its shapes) needs a body: say so.
    (A body of optional fields only, such as door-open's, may be left out.)"""
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


OPEN_ENUM_NOTE = (
    "Within v1 new values may appear (see the compatibility policy): treat a value not listed "
    "as unknown, never as an error."
)
_SCHEMAS = "#/components/schemas/"


def _enum_ref(prop: dict, schemas: dict) -> str | None:
    """The enum component a property refers to (`$ref`, or drf-spectacular's `allOf: [$ref]`
    wrapper), if any."""
    ref = prop.get("$ref")
    if ref is None and len(prop.get("allOf", [])) == 1:
        ref = prop["allOf"][0].get("$ref")
    if ref and "enum" in schemas.get(ref.removeprefix(_SCHEMAS), {}):
        return ref
    return None


def _open(prop: dict, schemas: dict) -> dict:
    """A response property (or array items) whose enum accepts any other string too."""
    if prop.get("type") == "array" and isinstance(prop.get("items"), dict):
        return {**prop, "items": _open(prop["items"], schemas)}
    ref = _enum_ref(prop, schemas)
    if ref is None:
        return prop
    rest = {k: v for k, v in prop.items() if k not in ("$ref", "allOf")}
    description = rest.get("description", "")
    rest["description"] = f"{description}\n\n{OPEN_ENUM_NOTE}".strip()
    return {"anyOf": [{"$ref": ref}, {"type": "string"}], **rest}


def open_response_enums(result: dict, generator: Any, request: Any, public: bool) -> dict:
    """Every enum in an answer is open: `anyOf: [<the known values>, any string]`, so that a
    client generated today reads an answer carrying a value added later (a new audit action,
    problem code, status or reason) instead of failing on it. Request bodies (`...Request`)
    keep their closed enums: the server refuses values it does not know.

    Problem `code` lists the codes of this document's API (the customer API's or the
    gateway's), not both."""
    schemas = result.get("components", {}).get("schemas", {})
    customer = any(path.startswith(CUSTOMER_PREFIX) for path in result.get("paths", {}))
    problems = [schemas[name] for name in ("Problem", "ValidationProblem") if name in schemas]
    if problems:
        codes = CUSTOMER_PROBLEM_CODES if customer else GATEWAY_PROBLEM_CODES
        schemas["ProblemCodeEnum"] = {"type": "string", "enum": codes}
        listed = "\n".join(f"* `{code}` - {TITLES[code]}" for code in codes)
        for problem in problems:
            code = problem["properties"]["code"]
            problem["properties"]["code"] = {
                "allOf": [{"$ref": _SCHEMAS + "ProblemCodeEnum"}],
                "description": f"{code.get('description', '')}\n\n{listed}".strip(),
            }
    for name, component in schemas.items():
        if name.endswith("Request") or "properties" not in component:
            continue
        for prop_name, prop in component["properties"].items():
            component["properties"][prop_name] = _open(prop, schemas)
    return result


def describe_pages(result: dict, generator: Any, request: Any, public: bool) -> dict:
    """The `results` of a page (cybergate.lib.pagination; drf-spectacular fills them in after the
    paginator's schema, so they are described here)."""
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name.startswith("Paginated"):
            component["properties"]["results"].setdefault("description", "This page's items.")
    return result


def declare_servers(result: dict, generator: Any, request: Any, public: bool) -> dict:
    """The server to call: PUBLIC_URL when set, else the address this schema was fetched
    from."""
    url = settings.PUBLIC_URL
    if not url and request is not None:
        url = request.build_absolute_uri("/").rstrip("/")
    if url:
        result["servers"] = [{"url": url, "description": "This server"}]
    return result


class PermissionAutoSchema(AutoSchema):
    """Each customer API operation names the secret permission it needs: `x-permission`, and
    at the end of its description."""

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
        operation["x-permission"] = needed
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
