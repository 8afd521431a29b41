from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.door_open_accepted import DoorOpenAccepted
from ...models.door_open_request import DoorOpenRequest
from ...models.problem import Problem
from ...models.validation_problem import ValidationProblem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    user: str,
    *,
    body: DoorOpenRequest | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/active-calls/{user}/door-open".format(
            user=quote(str(user), safe=""),
        ),
    }

    if not isinstance(body, Unset):
        _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> DoorOpenAccepted | Problem | ValidationProblem | None:
    if response.status_code == 202:
        response_202 = DoorOpenAccepted.from_dict(response.json())

        return response_202

    if response.status_code == 400:
        response_400 = ValidationProblem.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

    if response.status_code == 406:
        response_406 = Problem.from_dict(response.json())

        return response_406

    if response.status_code == 409:
        response_409 = Problem.from_dict(response.json())

        return response_409

    if response.status_code == 415:
        response_415 = Problem.from_dict(response.json())

        return response_415

    if response.status_code == 422:
        response_422 = Problem.from_dict(response.json())

        return response_422

    if response.status_code == 429:
        response_429 = Problem.from_dict(response.json())

        return response_429

    if response.status_code == 503:
        response_503 = Problem.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[DoorOpenAccepted | Problem | ValidationProblem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    user: str,
    *,
    client: AuthenticatedClient,
    body: DoorOpenRequest | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Response[DoorOpenAccepted | Problem | ValidationProblem]:
    """Open the door of the Teams user's active call

     Queues a door-open command for the device in the call the Teams user answered and that is active
    right now — only that device receives it. Follow its outcome at `GET /api/v1/door-open-
    commands/{id}` (the `Location` header). Writes the audit entry `door.open_requested`. Send `call_id`
    (the `call.id` you saw) so that a request meant for one visitor never opens the door for the next:
    another active call by then is 409 `call_mismatch`.

    Retry-safe with an `Idempotency-Key`: the first answer to a key is kept for 24 hours, whatever it
    was (202, or a 404 / 409 refusal), and a repeat of the key from any API secret of the tenant gets it
    again (with `Idempotent-Replayed: true`) and changes nothing — a retry never issues a second
    command, nor a first one for a call that started after the refusal. The same key for another Teams
    user or `call_id` is 422 `idempotency_key_reused`.

    **Permission:** `door_open`. An API secret without it gets 403 `insufficient_permission`.

    Args:
        user (str):
        idempotency_key (str | Unset):
        body (DoorOpenRequest | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DoorOpenAccepted | Problem | ValidationProblem]
    """

    kwargs = _get_kwargs(
        user=user,
        body=body,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    user: str,
    *,
    client: AuthenticatedClient,
    body: DoorOpenRequest | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> DoorOpenAccepted | Problem | ValidationProblem | None:
    """Open the door of the Teams user's active call

     Queues a door-open command for the device in the call the Teams user answered and that is active
    right now — only that device receives it. Follow its outcome at `GET /api/v1/door-open-
    commands/{id}` (the `Location` header). Writes the audit entry `door.open_requested`. Send `call_id`
    (the `call.id` you saw) so that a request meant for one visitor never opens the door for the next:
    another active call by then is 409 `call_mismatch`.

    Retry-safe with an `Idempotency-Key`: the first answer to a key is kept for 24 hours, whatever it
    was (202, or a 404 / 409 refusal), and a repeat of the key from any API secret of the tenant gets it
    again (with `Idempotent-Replayed: true`) and changes nothing — a retry never issues a second
    command, nor a first one for a call that started after the refusal. The same key for another Teams
    user or `call_id` is 422 `idempotency_key_reused`.

    **Permission:** `door_open`. An API secret without it gets 403 `insufficient_permission`.

    Args:
        user (str):
        idempotency_key (str | Unset):
        body (DoorOpenRequest | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DoorOpenAccepted | Problem | ValidationProblem
    """

    return sync_detailed(
        user=user,
        client=client,
        body=body,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    user: str,
    *,
    client: AuthenticatedClient,
    body: DoorOpenRequest | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Response[DoorOpenAccepted | Problem | ValidationProblem]:
    """Open the door of the Teams user's active call

     Queues a door-open command for the device in the call the Teams user answered and that is active
    right now — only that device receives it. Follow its outcome at `GET /api/v1/door-open-
    commands/{id}` (the `Location` header). Writes the audit entry `door.open_requested`. Send `call_id`
    (the `call.id` you saw) so that a request meant for one visitor never opens the door for the next:
    another active call by then is 409 `call_mismatch`.

    Retry-safe with an `Idempotency-Key`: the first answer to a key is kept for 24 hours, whatever it
    was (202, or a 404 / 409 refusal), and a repeat of the key from any API secret of the tenant gets it
    again (with `Idempotent-Replayed: true`) and changes nothing — a retry never issues a second
    command, nor a first one for a call that started after the refusal. The same key for another Teams
    user or `call_id` is 422 `idempotency_key_reused`.

    **Permission:** `door_open`. An API secret without it gets 403 `insufficient_permission`.

    Args:
        user (str):
        idempotency_key (str | Unset):
        body (DoorOpenRequest | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DoorOpenAccepted | Problem | ValidationProblem]
    """

    kwargs = _get_kwargs(
        user=user,
        body=body,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    user: str,
    *,
    client: AuthenticatedClient,
    body: DoorOpenRequest | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> DoorOpenAccepted | Problem | ValidationProblem | None:
    """Open the door of the Teams user's active call

     Queues a door-open command for the device in the call the Teams user answered and that is active
    right now — only that device receives it. Follow its outcome at `GET /api/v1/door-open-
    commands/{id}` (the `Location` header). Writes the audit entry `door.open_requested`. Send `call_id`
    (the `call.id` you saw) so that a request meant for one visitor never opens the door for the next:
    another active call by then is 409 `call_mismatch`.

    Retry-safe with an `Idempotency-Key`: the first answer to a key is kept for 24 hours, whatever it
    was (202, or a 404 / 409 refusal), and a repeat of the key from any API secret of the tenant gets it
    again (with `Idempotent-Replayed: true`) and changes nothing — a retry never issues a second
    command, nor a first one for a call that started after the refusal. The same key for another Teams
    user or `call_id` is 422 `idempotency_key_reused`.

    **Permission:** `door_open`. An API secret without it gets 403 `insufficient_permission`.

    Args:
        user (str):
        idempotency_key (str | Unset):
        body (DoorOpenRequest | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DoorOpenAccepted | Problem | ValidationProblem
    """

    return (
        await asyncio_detailed(
            user=user,
            client=client,
            body=body,
            idempotency_key=idempotency_key,
        )
    ).parsed
