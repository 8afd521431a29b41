from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.availability_update_request import AvailabilityUpdateRequest
from ...models.call_group_member import CallGroupMember
from ...models.problem import Problem
from ...models.validation_problem import ValidationProblem
from ...types import Response


def _get_kwargs(
    id: UUID,
    user: str,
    *,
    body: AvailabilityUpdateRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "put",
        "url": "/api/v1/call-groups/{id}/members/{user}/availability".format(
            id=quote(str(id), safe=""),
            user=quote(str(user), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> CallGroupMember | Problem | ValidationProblem | None:
    if response.status_code == 200:
        response_200 = CallGroupMember.from_dict(response.json())

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
) -> Response[CallGroupMember | Problem | ValidationProblem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    id: UUID,
    user: str,
    *,
    client: AuthenticatedClient,
    body: AvailabilityUpdateRequest,
) -> Response[CallGroupMember | Problem | ValidationProblem]:
    """Set a member's availability

     Only available members are rung. Writes the audit entry `call_group.availability_changed` when the
    value changes.

    **Permission:** `availability`. An API secret without it gets 403 `insufficient_permission`.

    Args:
        id (UUID):
        user (str):
        body (AvailabilityUpdateRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CallGroupMember | Problem | ValidationProblem]
    """

    kwargs = _get_kwargs(
        id=id,
        user=user,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    id: UUID,
    user: str,
    *,
    client: AuthenticatedClient,
    body: AvailabilityUpdateRequest,
) -> CallGroupMember | Problem | ValidationProblem | None:
    """Set a member's availability

     Only available members are rung. Writes the audit entry `call_group.availability_changed` when the
    value changes.

    **Permission:** `availability`. An API secret without it gets 403 `insufficient_permission`.

    Args:
        id (UUID):
        user (str):
        body (AvailabilityUpdateRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CallGroupMember | Problem | ValidationProblem
    """

    return sync_detailed(
        id=id,
        user=user,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    id: UUID,
    user: str,
    *,
    client: AuthenticatedClient,
    body: AvailabilityUpdateRequest,
) -> Response[CallGroupMember | Problem | ValidationProblem]:
    """Set a member's availability

     Only available members are rung. Writes the audit entry `call_group.availability_changed` when the
    value changes.

    **Permission:** `availability`. An API secret without it gets 403 `insufficient_permission`.

    Args:
        id (UUID):
        user (str):
        body (AvailabilityUpdateRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CallGroupMember | Problem | ValidationProblem]
    """

    kwargs = _get_kwargs(
        id=id,
        user=user,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    id: UUID,
    user: str,
    *,
    client: AuthenticatedClient,
    body: AvailabilityUpdateRequest,
) -> CallGroupMember | Problem | ValidationProblem | None:
    """Set a member's availability

     Only available members are rung. Writes the audit entry `call_group.availability_changed` when the
    value changes.

    **Permission:** `availability`. An API secret without it gets 403 `insufficient_permission`.

    Args:
        id (UUID):
        user (str):
        body (AvailabilityUpdateRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CallGroupMember | Problem | ValidationProblem
    """

    return (
        await asyncio_detailed(
            id=id,
            user=user,
            client=client,
            body=body,
        )
    ).parsed
