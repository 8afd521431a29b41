from enum import StrEnum


class DoorOpenCommandReasonEnum(StrEnum):
    CALL_ENDED = "call_ended"
    DEVICE_REPORTED_FAILURE = "device_reported_failure"
    NOT_DELIVERED_IN_TIME = "not_delivered_in_time"

    def __str__(self) -> str:
        return str(self.value)
