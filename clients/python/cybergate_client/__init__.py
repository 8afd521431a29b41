"""Python client of the CyberGate customer API: the typed client generated from the OpenAPI
schema (`cybergate_client.generated`), wrapped with idempotent door-opens, retries and the
new-entries loop (`CyberGate`)."""

from .wrapper import CyberGate, CyberGateError, DoorOpened, RetryTransport

__all__ = ["CyberGate", "CyberGateError", "DoorOpened", "RetryTransport"]
