from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.door_open_command import DoorOpenCommand
from ...models.problem import Problem
from ...models.validation_problem import ValidationProblem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    id: UUID,
    *,
    wait: int | Unset = 0,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["wait"] = wait

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/door-open-commands/{id}".format(
            id=quote(str(id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> DoorOpenCommand | Problem | ValidationProblem | None:
    if response.status_code == 200:
        response_200 = DoorOpenCommand.from_dict(response.json())

        return response_200

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
) -> Response[DoorOpenCommand | Problem | ValidationProblem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    id: UUID,
    *,
    client: AuthenticatedClient,
    wait: int | Unset = 0,
) -> Response[DoorOpenCommand | Problem | ValidationProblem]:
    """Outcome of a door-open command

     `queued` → `delivered` → `executed` or `failed`; `expired` when it was not delivered or acknowledged
    in time, or its call ended first.

    With `wait`, a command still `queued` or `delivered` is held until it is executed, failed or
    expired, or `wait` seconds pass (long-poll).

    **Permission:** `read`. An API secret without it gets 403 `insufficient_permission`.

    Args:
        id (UUID):
        wait (int | Unset):  Default: 0.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DoorOpenCommand | Problem | ValidationProblem]
    """

    kwargs = _get_kwargs(
        id=id,
        wait=wait,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    id: UUID,
    *,
    client: AuthenticatedClient,
    wait: int | Unset = 0,
) -> DoorOpenCommand | Problem | ValidationProblem | None:
    """Outcome of a door-open command

     `queued` → `delivered` → `executed` or `failed`; `expired` when it was not delivered or acknowledged
    in time, or its call ended first.

    With `wait`, a command still `queued` or `delivered` is held until it is executed, failed or
    expired, or `wait` seconds pass (long-poll).

    **Permission:** `read`. An API secret without it gets 403 `insufficient_permission`.

    Args:
        id (UUID):
        wait (int | Unset):  Default: 0.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DoorOpenCommand | Problem | ValidationProblem
    """

    return sync_detailed(
        id=id,
        client=client,
        wait=wait,
    ).parsed


async def asyncio_detailed(
    id: UUID,
    *,
    client: AuthenticatedClient,
    wait: int | Unset = 0,
) -> Response[DoorOpenCommand | Problem | ValidationProblem]:
    """Outcome of a door-open command

     `queued` → `delivered` → `executed` or `failed`; `expired` when it was not delivered or acknowledged
    in time, or its call ended first.

    With `wait`, a command still `queued` or `delivered` is held until it is executed, failed or
    expired, or `wait` seconds pass (long-poll).

    **Permission:** `read`. An API secret without it gets 403 `insufficient_permission`.

    Args:
        id (UUID):
        wait (int | Unset):  Default: 0.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DoorOpenCommand | Problem | ValidationProblem]
    """

    kwargs = _get_kwargs(
        id=id,
        wait=wait,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    id: UUID,
    *,
    client: AuthenticatedClient,
    wait: int | Unset = 0,
) -> DoorOpenCommand | Problem | ValidationProblem | None:
    """Outcome of a door-open command

     `queued` → `delivered` → `executed` or `failed`; `expired` when it was not delivered or acknowledged
    in time, or its call ended first.

    With `wait`, a command still `queued` or `delivered` is held until it is executed, failed or
    expired, or `wait` seconds pass (long-poll).

    **Permission:** `read`. An API secret without it gets 403 `insufficient_permission`.

    Args:
        id (UUID):
        wait (int | Unset):  Default: 0.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DoorOpenCommand | Problem | ValidationProblem
    """

    return (
        await asyncio_detailed(
            id=id,
            client=client,
            wait=wait,
        )
    ).parsed
