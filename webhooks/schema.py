"""The webhook events in the customer API's OpenAPI document (a drf-spectacular
post-processing hook, named in settings.SPECTACULAR_SETTINGS).

The document is OpenAPI 3.0.3, which has no top-level `webhooks` (3.1 has): each event's body is
a component `WebhookEvent_<type>` (so generated clients get a model for it and Swagger shows it
under Schemas), `x-webhooks` lists them in 3.1's shape, and the description lists the catalogue.
`data` refers to the components the API's own answers use (same serializers).
"""

from __future__ import annotations

from typing import Any

from webhooks import events

_SCHEMAS = "#/components/schemas/"


def component_name(event_type: str) -> str:
    return "WebhookEvent_" + event_type.replace(".", "_")


def _ref(name: str, description: str) -> dict[str, Any]:
    return {"allOf": [{"$ref": _SCHEMAS + name}], "description": description}


def _string(description: str, **extra: Any) -> dict[str, Any]:
    return {"type": "string", "description": description, **extra}


_SECRET_SUMMARY: dict[str, Any] = {
    "type": "object",
    "description": "What webhook events say of an API secret: never its value.",
    "properties": {
        "id": _string("The secret's id.", format="uuid"),
        "name": _string("Its name."),
        "prefix": _string("The first characters of its value, as the portal shows them."),
        "permissions": {
            "type": "array",
            "items": {"type": "string"},
            "description": "What it may do (`read`, `availability`, `door_open`, `webhooks`).",
        },
        "allowed_addresses": {
            "type": "array",
            "items": {"type": "string"},
            "description": "Addresses and CIDR ranges it may be used from; empty: anywhere.",
        },
        "created_at": _string("When it was created (UTC).", format="date-time"),
        "expires_at": _string("When it stops working (UTC).", format="date-time"),
    },
    "required": [
        "id",
        "name",
        "prefix",
        "permissions",
        "allowed_addresses",
        "created_at",
        "expires_at",
    ],
}


def _with(base: str, description: str, **properties: dict[str, Any]) -> dict[str, Any]:
    """A component extended by a few properties."""
    return {
        "description": description,
        "allOf": [
            {"$ref": _SCHEMAS + base},
            {"type": "object", "properties": properties, "required": list(properties)},
        ],
    }


def _data_schemas() -> dict[str, dict[str, Any]]:
    command = _ref("DoorOpenCommand", "The door-open command, as the API's GET returns it.")
    summary = _ref("WebhookApiSecretSummary", "The API secret (a summary).")
    notice = _string("Which notice: `20d`, `7d`, `1d` or `expired`.")
    return {
        events.DOOR_OPEN_EXECUTED: command,
        events.DOOR_OPEN_FAILED: command,
        events.DOOR_OPEN_EXPIRED: command,
        events.CALL_RINGING: _with(
            "ActiveCallDetail",
            "The call, as active calls show it, with who rang and when.",
            caller=_string("Who rang (the SIP address the device reported)."),
            started_at=_string("When it started ringing (UTC).", format="date-time"),
        ),
        events.CALL_ANSWERED: _ref("ActiveCall", "The active call, as the API's GET returns it."),
        events.CALL_ENDED: _ref("CallLogEntry", "The call log entry (`call_id` joins)."),
        events.AVAILABILITY_CHANGED: _with(
            "CallGroupMember",
            "The member, as the availability PUT answers, with its group and the value before.",
            call_group=_ref("CallGroupRef", "The call group."),
            previous_availability=_string("The availability before the change."),
        ),
        events.API_SECRET_CREATED: summary,
        events.API_SECRET_ROLLED: _with(
            "WebhookApiSecretSummary",
            "The successor, with the secret it replaces.",
            replaces=_ref("WebhookApiSecretSummary", "The rolled (old) secret."),
        ),
        events.API_SECRET_DELETED: summary,
        events.API_SECRET_EXPIRING: _with(
            "WebhookApiSecretSummary", "The secret and the notice.", notice=notice
        ),
        events.API_SECRET_EXPIRED: _with(
            "WebhookApiSecretSummary", "The secret and the notice.", notice=notice
        ),
        events.WEBHOOK_TEST: {
            "type": "object",
            "description": "Who asked for the test.",
            "properties": {
                "endpoint_id": _string("The endpoint tested.", format="uuid"),
                "requested_by": _string("The admin or API secret that asked."),
            },
            "required": ["endpoint_id", "requested_by"],
        },
    }


def _event_schema(event_type: str, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "description": f"The body of a `{event_type}` webhook: {events.EVENT_TYPES[event_type]}",
        "properties": {
            "type": _string(f"Always `{event_type}`.", pattern=f"^{event_type}$"),
            "timestamp": _string("When the event happened (UTC).", format="date-time"),
            "data": data,
        },
        "required": ["type", "timestamp", "data"],
    }


WEBHOOKS_DESCRIPTION = """

## Webhooks

Add an endpoint on the portal's Webhooks page or with `POST /api/v1/webhook-endpoints`; events \
are POSTed to it in the [Standard Webhooks](https://www.standardwebhooks.com/) v1 format: \
`{"type", "timestamp", "data"}` with the headers `webhook-id` (the same on every retry), \
`webhook-timestamp` and `webhook-signature`. Delivery is at least once (deduplicate on \
`webhook-id`), retried for about three days; the order is not promised. Each event's body is \
the schema `WebhookEvent_<type>` (`x-webhooks` lists them):

"""


def describe_webhooks(result: dict, generator: Any, request: Any, public: bool) -> dict:
    """Only in the customer API's document (the one with /api/v1/ operations)."""
    if not any(path.startswith("/api/v1/") for path in result.get("paths", {})):
        return result
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["WebhookApiSecretSummary"] = _SECRET_SUMMARY
    hooks: dict[str, Any] = {}
    for event_type, data in _data_schemas().items():
        name = component_name(event_type)
        schemas[name] = _event_schema(event_type, data)
        hooks[event_type] = {
            "post": {
                "summary": event_type,
                "description": events.EVENT_TYPES[event_type],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": _SCHEMAS + name}}},
                },
                "responses": {
                    "2XX": {"description": "Received (any 2xx within 15 s; else retried)."}
                },
            }
        }
    result["x-webhooks"] = hooks
    catalogue = "\n".join(
        f"* `{event_type}` ({component_name(event_type)}): {description}"
        for event_type, description in events.EVENT_TYPES.items()
    )
    info = result.setdefault("info", {})
    info["description"] = info.get("description", "") + WEBHOOKS_DESCRIPTION + catalogue
    return result
