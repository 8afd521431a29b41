from enum import StrEnum


class DoorOpenAcceptedStatusEnum(StrEnum):
    QUEUED = "queued"

    def __str__(self) -> str:
        return str(self.value)
