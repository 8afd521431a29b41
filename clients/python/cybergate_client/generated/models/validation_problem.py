from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.problem_code_enum import ProblemCodeEnum
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.validation_problem_errors import ValidationProblemErrors


T = TypeVar("T", bound="ValidationProblem")


@_attrs_define
class ValidationProblem:
    """RFC 9457 problem details.

    Attributes:
        type_ (str): URN naming the problem type (from `code`).
        title (str): A short summary, the same for every occurrence.
        status (int): The answer's HTTP status code.
        detail (str): What went wrong this time, in English; quotes input at most as a short excerpt. Branch on `code`,
            not on this text.
        code (ProblemCodeEnum | str): Stable snake_case code.

            * `invalid_request` - Invalid request
            * `invalid_cursor` - Invalid cursor
            * `missing_credentials` - Missing credentials
            * `invalid_secret` - Invalid API secret
            * `expired_secret` - Expired API secret
            * `disabled_secret` - Disabled API secret
            * `api_access_disabled` - API access disabled
            * `insufficient_permission` - Insufficient permission
            * `ip_not_allowed` - Address not allowed
            * `permission_denied` - Permission denied
            * `not_found` - Not found
            * `user_not_found` - Teams user not found
            * `not_a_member` - Not a member of the call group
            * `method_not_allowed` - Method not allowed
            * `not_acceptable` - Not acceptable
            * `unsupported_media_type` - Unsupported media type
            * `payload_too_large` - Payload too large
            * `uri_too_long` - URI too long
            * `headers_too_large` - Header fields too large
            * `rate_limited` - Too many requests
            * `auth_rate_limited` - Too many failed authentications
            * `not_in_active_call` - Not in an active call
            * `invalid_call_state` - Invalid call state
            * `no_door_open_code` - No door-open code configured
            * `user_busy` - Teams user busy
            * `member_unavailable` - Member unavailable
            * `service_unavailable` - Service unavailable
            * `idempotency_key_reused` - Idempotency key reused
            * `call_mismatch` - Not the active call
            * `test_secret_required` - Test secret required
            * `server_error` - Internal server error

            Within v1 new values may appear (see the compatibility policy): treat a value not listed as unknown, never as an
            error.
        instance (str): This occurrence: `urn:cybergate:request:` and the answer's `X-Request-Id`.
        errors (ValidationProblemErrors | Unset): Messages per request field (`invalid_request` only).
    """

    type_: str
    title: str
    status: int
    detail: str
    code: ProblemCodeEnum | str
    instance: str
    errors: ValidationProblemErrors | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_

        title = self.title

        status = self.status

        detail = self.detail

        code: str
        if isinstance(self.code, ProblemCodeEnum):
            code = self.code.value
        else:
            code = self.code

        instance = self.instance

        errors: dict[str, Any] | Unset = UNSET
        if not isinstance(self.errors, Unset):
            errors = self.errors.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "title": title,
                "status": status,
                "detail": detail,
                "code": code,
                "instance": instance,
            }
        )
        if errors is not UNSET:
            field_dict["errors"] = errors

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.validation_problem_errors import ValidationProblemErrors

        d = dict(src_dict)
        type_ = d.pop("type")

        title = d.pop("title")

        status = d.pop("status")

        detail = d.pop("detail")

        def _parse_code(data: object) -> ProblemCodeEnum | str:
            try:
                if not isinstance(data, str):
                    raise TypeError()
                code_type_0 = ProblemCodeEnum(data)

                return code_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ProblemCodeEnum | str, data)

        code = _parse_code(d.pop("code"))

        instance = d.pop("instance")

        _errors = d.pop("errors", UNSET)
        errors: ValidationProblemErrors | Unset
        if isinstance(_errors, Unset):
            errors = UNSET
        else:
            errors = ValidationProblemErrors.from_dict(_errors)

        validation_problem = cls(
            type_=type_,
            title=title,
            status=status,
            detail=detail,
            code=code,
            instance=instance,
            errors=errors,
        )

        validation_problem.additional_properties = d
        return validation_problem

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
