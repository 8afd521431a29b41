from enum import StrEnum


class SandboxDoorOpenEnum(StrEnum):
    EXECUTE = "execute"
    FAIL = "fail"
    IGNORE = "ignore"

    def __str__(self) -> str:
        return str(self.value)
