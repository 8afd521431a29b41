from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.ack_request import AckRequest
from ...models.acknowledged import Acknowledged
from ...models.problem import Problem
from ...models.validation_problem import ValidationProblem
from ...types import Response


def _get_kwargs(
    *,
    body: AckRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/audit-trail/ack",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Acknowledged | Problem | ValidationProblem | None:
    if response.status_code == 200:
        response_200 = Acknowledged.from_dict(response.json())

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
) -> Response[Acknowledged | Problem | ValidationProblem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: AckRequest,
) -> Response[Acknowledged | Problem | ValidationProblem]:
    """Acknowledge audit trail entries

     Moves this API secret's position forward to the cursor, after the client processed the entries up to
    it. Never backwards; repeating it is harmless. A cursor of another log or API secret, or a malformed
    one, is 400 `invalid_cursor`.

    **Permission:** `read`. An API secret without it gets 403 `insufficient_permission`.

    Args:
        body (AckRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Acknowledged | Problem | ValidationProblem]
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
    body: AckRequest,
) -> Acknowledged | Problem | ValidationProblem | None:
    """Acknowledge audit trail entries

     Moves this API secret's position forward to the cursor, after the client processed the entries up to
    it. Never backwards; repeating it is harmless. A cursor of another log or API secret, or a malformed
    one, is 400 `invalid_cursor`.

    **Permission:** `read`. An API secret without it gets 403 `insufficient_permission`.

    Args:
        body (AckRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Acknowledged | Problem | ValidationProblem
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: AckRequest,
) -> Response[Acknowledged | Problem | ValidationProblem]:
    """Acknowledge audit trail entries

     Moves this API secret's position forward to the cursor, after the client processed the entries up to
    it. Never backwards; repeating it is harmless. A cursor of another log or API secret, or a malformed
    one, is 400 `invalid_cursor`.

    **Permission:** `read`. An API secret without it gets 403 `insufficient_permission`.

    Args:
        body (AckRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Acknowledged | Problem | ValidationProblem]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: AckRequest,
) -> Acknowledged | Problem | ValidationProblem | None:
    """Acknowledge audit trail entries

     Moves this API secret's position forward to the cursor, after the client processed the entries up to
    it. Never backwards; repeating it is harmless. A cursor of another log or API secret, or a malformed
    one, is 400 `invalid_cursor`.

    **Permission:** `read`. An API secret without it gets 403 `insufficient_permission`.

    Args:
        body (AckRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Acknowledged | Problem | ValidationProblem
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
