from enum import StrEnum


class WebhookEventTypeEnum(StrEnum):
    API_SECRET_CREATED = "api_secret.created"
    API_SECRET_DELETED = "api_secret.deleted"
    API_SECRET_EXPIRED = "api_secret.expired"
    API_SECRET_EXPIRING = "api_secret.expiring"
    API_SECRET_ROLLED = "api_secret.rolled"
    AVAILABILITY_CHANGED = "availability.changed"
    CALL_ANSWERED = "call.answered"
    CALL_ENDED = "call.ended"
    CALL_RINGING = "call.ringing"
    DOOR_OPEN_EXECUTED = "door_open.executed"
    DOOR_OPEN_EXPIRED = "door_open.expired"
    DOOR_OPEN_FAILED = "door_open.failed"
    WEBHOOK_TEST = "webhook.test"

    def __str__(self) -> str:
        return str(self.value)
