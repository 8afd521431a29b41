from enum import StrEnum


class CallResultEnum(StrEnum):
    ANSWERED = "answered"
    FAILED = "failed"
    MISSED = "missed"
    REJECTED = "rejected"

    def __str__(self) -> str:
        return str(self.value)
