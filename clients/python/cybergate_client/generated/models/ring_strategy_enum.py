from enum import StrEnum


class RingStrategyEnum(StrEnum):
    MEETING = "meeting"
    MULTI_RING = "multi_ring"
    SEQUENTIAL = "sequential"

    def __str__(self) -> str:
        return str(self.value)
