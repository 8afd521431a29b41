from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.active_call import ActiveCall
from ...models.problem import Problem
from ...models.validation_problem import ValidationProblem
from ...types import Response


def _get_kwargs(
    user: str,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/active-calls/{user}".format(
            user=quote(str(user), safe=""),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ActiveCall | Problem | ValidationProblem | None:
    if response.status_code == 200:
        response_200 = ActiveCall.from_dict(response.json())

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
) -> Response[ActiveCall | Problem | ValidationProblem]:
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
) -> Response[ActiveCall | Problem | ValidationProblem]:
    """Active call of a Teams user

     Whether the Teams user is in an active call right now and whether that call's device has a door-open
    code. `call` is null when not in a call.

    **Permission:** `read`. An API secret without it gets 403 `insufficient_permission`.

    Args:
        user (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ActiveCall | Problem | ValidationProblem]
    """

    kwargs = _get_kwargs(
        user=user,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    user: str,
    *,
    client: AuthenticatedClient,
) -> ActiveCall | Problem | ValidationProblem | None:
    """Active call of a Teams user

     Whether the Teams user is in an active call right now and whether that call's device has a door-open
    code. `call` is null when not in a call.

    **Permission:** `read`. An API secret without it gets 403 `insufficient_permission`.

    Args:
        user (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ActiveCall | Problem | ValidationProblem
    """

    return sync_detailed(
        user=user,
        client=client,
    ).parsed


async def asyncio_detailed(
    user: str,
    *,
    client: AuthenticatedClient,
) -> Response[ActiveCall | Problem | ValidationProblem]:
    """Active call of a Teams user

     Whether the Teams user is in an active call right now and whether that call's device has a door-open
    code. `call` is null when not in a call.

    **Permission:** `read`. An API secret without it gets 403 `insufficient_permission`.

    Args:
        user (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ActiveCall | Problem | ValidationProblem]
    """

    kwargs = _get_kwargs(
        user=user,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    user: str,
    *,
    client: AuthenticatedClient,
) -> ActiveCall | Problem | ValidationProblem | None:
    """Active call of a Teams user

     Whether the Teams user is in an active call right now and whether that call's device has a door-open
    code. `call` is null when not in a call.

    **Permission:** `read`. An API secret without it gets 403 `insufficient_permission`.

    Args:
        user (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ActiveCall | Problem | ValidationProblem
    """

    return (
        await asyncio_detailed(
            user=user,
            client=client,
        )
    ).parsed
