from enum import StrEnum


class DoorOpenCommandStatusEnum(StrEnum):
    DELIVERED = "delivered"
    EXECUTED = "executed"
    EXPIRED = "expired"
    FAILED = "failed"
    QUEUED = "queued"

    def __str__(self) -> str:
        return str(self.value)
