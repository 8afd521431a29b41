"""The catalogue of webhook event types: stable names, one per thing an integrator can react to."""

from __future__ import annotations

DOOR_OPEN_EXECUTED = "door_open.executed"
DOOR_OPEN_FAILED = "door_open.failed"
DOOR_OPEN_EXPIRED = "door_open.expired"
CALL_RINGING = "call.ringing"
CALL_ANSWERED = "call.answered"
CALL_ENDED = "call.ended"
AVAILABILITY_CHANGED = "availability.changed"
API_SECRET_CREATED = "api_secret.created"
API_SECRET_ROLLED = "api_secret.rolled"
API_SECRET_DELETED = "api_secret.deleted"
API_SECRET_EXPIRING = "api_secret.expiring"
API_SECRET_EXPIRED = "api_secret.expired"
WEBHOOK_TEST = "webhook.test"

# What each event's `data` is (the customer API's representation of the same object).
EVENT_TYPES: dict[str, str] = {
    DOOR_OPEN_EXECUTED: "The device opened the door (the door-open command, as the API shows it).",
    DOOR_OPEN_FAILED: "The device reported that it could not open the door (a door-open command).",
    DOOR_OPEN_EXPIRED: "A door-open command ran out of time or its call ended first (the command).",
    CALL_RINGING: "A visitor rang a call group (the call).",
    CALL_ANSWERED: "A Teams user answered a call (the active call, as GET active-call returns it).",
    CALL_ENDED: "A call ended (its call log entry).",
    AVAILABILITY_CHANGED: "A member's availability in a call group changed (the member).",
    API_SECRET_CREATED: "An API secret was created (a summary; never its value).",
    API_SECRET_ROLLED: "An API secret was rolled (the old secret's summary and its successor's).",
    API_SECRET_DELETED: "An API secret was deleted (a summary).",
    API_SECRET_EXPIRING: "An API secret expires in 20, 7 or 1 days (a summary and `notice`).",
    API_SECRET_EXPIRED: "An API secret has expired (a summary).",
    WEBHOOK_TEST: "A test from the endpoint's page or the API (sent whatever it subscribes to).",
}
