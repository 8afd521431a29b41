from enum import StrEnum


class ActorTypeEnum(StrEnum):
    API_SECRET = "api_secret"
    DEVICE = "device"
    SUPPORT = "support"
    SYSTEM = "system"
    USER = "user"

    def __str__(self) -> str:
        return str(self.value)
