from enum import StrEnum


class ProblemCodeEnum(StrEnum):
    API_ACCESS_DISABLED = "api_access_disabled"
    AUTH_RATE_LIMITED = "auth_rate_limited"
    CALL_MISMATCH = "call_mismatch"
    DISABLED_SECRET = "disabled_secret"
    EXPIRED_SECRET = "expired_secret"
    HEADERS_TOO_LARGE = "headers_too_large"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    INSUFFICIENT_PERMISSION = "insufficient_permission"
    INVALID_CALL_STATE = "invalid_call_state"
    INVALID_CURSOR = "invalid_cursor"
    INVALID_REQUEST = "invalid_request"
    INVALID_SECRET = "invalid_secret"
    IP_NOT_ALLOWED = "ip_not_allowed"
    MEMBER_UNAVAILABLE = "member_unavailable"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    MISSING_CREDENTIALS = "missing_credentials"
    NOT_ACCEPTABLE = "not_acceptable"
    NOT_A_MEMBER = "not_a_member"
    NOT_FOUND = "not_found"
    NOT_IN_ACTIVE_CALL = "not_in_active_call"
    NO_DOOR_OPEN_CODE = "no_door_open_code"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    PERMISSION_DENIED = "permission_denied"
    RATE_LIMITED = "rate_limited"
    SERVER_ERROR = "server_error"
    SERVICE_UNAVAILABLE = "service_unavailable"
    TEST_SECRET_REQUIRED = "test_secret_required"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    URI_TOO_LONG = "uri_too_long"
    USER_BUSY = "user_busy"
    USER_NOT_FOUND = "user_not_found"

    def __str__(self) -> str:
        return str(self.value)
