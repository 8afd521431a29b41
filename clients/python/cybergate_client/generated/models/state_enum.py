from enum import StrEnum


class StateEnum(StrEnum):
    ACTIVE = "active"
    ENDED = "ended"
    RINGING = "ringing"

    def __str__(self) -> str:
        return str(self.value)
