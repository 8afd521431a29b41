from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.sandbox_call import SandboxCall
from ...models.sandbox_ring_request import SandboxRingRequest
from ...models.validation_problem import ValidationProblem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: SandboxRingRequest | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/test/calls",
    }

    if not isinstance(body, Unset):
        _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | SandboxCall | ValidationProblem | None:
    if response.status_code == 201:
        response_201 = SandboxCall.from_dict(response.json())

        return response_201

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
) -> Response[Problem | SandboxCall | ValidationProblem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: SandboxRingRequest | Unset = UNSET,
) -> Response[Problem | SandboxCall | ValidationProblem]:
    """Ring the sandbox's virtual door station

     Test secrets only. A visitor rings the sandbox's virtual door station and a virtual Teams user
    answers at once: the call is then the user's active call (`GET /api/v1/active-calls/{user}`), and a
    door-open for it (`POST /api/v1/active-calls/{user}/door-open`) is carried out by the virtual
    station as `door_open` says before the door-open's answer returns, so its outcome, the audit trail
    and, once the call is ended, the call log all show it. Nothing of this reaches a real device or the
    live tenant's data.

    **Permission:** `read`. An API secret without it gets 403 `insufficient_permission`.

    Args:
        body (SandboxRingRequest | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | SandboxCall | ValidationProblem]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: SandboxRingRequest | Unset = UNSET,
) -> Problem | SandboxCall | ValidationProblem | None:
    """Ring the sandbox's virtual door station

     Test secrets only. A visitor rings the sandbox's virtual door station and a virtual Teams user
    answers at once: the call is then the user's active call (`GET /api/v1/active-calls/{user}`), and a
    door-open for it (`POST /api/v1/active-calls/{user}/door-open`) is carried out by the virtual
    station as `door_open` says before the door-open's answer returns, so its outcome, the audit trail
    and, once the call is ended, the call log all show it. Nothing of this reaches a real device or the
    live tenant's data.

    **Permission:** `read`. An API secret without it gets 403 `insufficient_permission`.

    Args:
        body (SandboxRingRequest | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | SandboxCall | ValidationProblem
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: SandboxRingRequest | Unset = UNSET,
) -> Response[Problem | SandboxCall | ValidationProblem]:
    """Ring the sandbox's virtual door station

     Test secrets only. A visitor rings the sandbox's virtual door station and a virtual Teams user
    answers at once: the call is then the user's active call (`GET /api/v1/active-calls/{user}`), and a
    door-open for it (`POST /api/v1/active-calls/{user}/door-open`) is carried out by the virtual
    station as `door_open` says before the door-open's answer returns, so its outcome, the audit trail
    and, once the call is ended, the call log all show it. Nothing of this reaches a real device or the
    live tenant's data.

    **Permission:** `read`. An API secret without it gets 403 `insufficient_permission`.

    Args:
        body (SandboxRingRequest | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | SandboxCall | ValidationProblem]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: SandboxRingRequest | Unset = UNSET,
) -> Problem | SandboxCall | ValidationProblem | None:
    """Ring the sandbox's virtual door station

     Test secrets only. A visitor rings the sandbox's virtual door station and a virtual Teams user
    answers at once: the call is then the user's active call (`GET /api/v1/active-calls/{user}`), and a
    door-open for it (`POST /api/v1/active-calls/{user}/door-open`) is carried out by the virtual
    station as `door_open` says before the door-open's answer returns, so its outcome, the audit trail
    and, once the call is ended, the call log all show it. Nothing of this reaches a real device or the
    live tenant's data.

    **Permission:** `read`. An API secret without it gets 403 `insufficient_permission`.

    Args:
        body (SandboxRingRequest | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | SandboxCall | ValidationProblem
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
