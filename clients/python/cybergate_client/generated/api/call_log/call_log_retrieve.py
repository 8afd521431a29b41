from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.call_log_page import CallLogPage
from ...models.problem import Problem
from ...models.validation_problem import ValidationProblem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    after: str | Unset = UNSET,
    limit: int | Unset = 100,
    wait: int | Unset = 0,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["after"] = after

    params["limit"] = limit

    params["wait"] = wait

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/call-log",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> CallLogPage | Problem | ValidationProblem | None:
    if response.status_code == 200:
        response_200 = CallLogPage.from_dict(response.json())

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
) -> Response[CallLogPage | Problem | ValidationProblem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    after: str | Unset = UNSET,
    limit: int | Unset = 100,
    wait: int | Unset = 0,
) -> Response[CallLogPage | Problem | ValidationProblem]:
    """New call log entries

     Oldest first, at least once: reading changes nothing, so the same entries come again until their
    `cursor` is acknowledged (`POST .../ack`). Without `after`: the entries after this API secret's
    acknowledged position (a new secret starts at the oldest kept entry). With `after`: the entries
    after that cursor; `after=start` replays from the oldest kept entry. A bad cursor is 400
    `invalid_cursor`. A rolled secret's successor reads on from its predecessor's position and accepts
    its cursors.

    With `wait`, an answer without entries waits up to that many seconds for the next entry of the log
    (long-poll).

    **Permission:** `read`. An API secret without it gets 403 `insufficient_permission`.

    Args:
        after (str | Unset):
        limit (int | Unset):  Default: 100.
        wait (int | Unset):  Default: 0.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CallLogPage | Problem | ValidationProblem]
    """

    kwargs = _get_kwargs(
        after=after,
        limit=limit,
        wait=wait,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    after: str | Unset = UNSET,
    limit: int | Unset = 100,
    wait: int | Unset = 0,
) -> CallLogPage | Problem | ValidationProblem | None:
    """New call log entries

     Oldest first, at least once: reading changes nothing, so the same entries come again until their
    `cursor` is acknowledged (`POST .../ack`). Without `after`: the entries after this API secret's
    acknowledged position (a new secret starts at the oldest kept entry). With `after`: the entries
    after that cursor; `after=start` replays from the oldest kept entry. A bad cursor is 400
    `invalid_cursor`. A rolled secret's successor reads on from its predecessor's position and accepts
    its cursors.

    With `wait`, an answer without entries waits up to that many seconds for the next entry of the log
    (long-poll).

    **Permission:** `read`. An API secret without it gets 403 `insufficient_permission`.

    Args:
        after (str | Unset):
        limit (int | Unset):  Default: 100.
        wait (int | Unset):  Default: 0.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CallLogPage | Problem | ValidationProblem
    """

    return sync_detailed(
        client=client,
        after=after,
        limit=limit,
        wait=wait,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    after: str | Unset = UNSET,
    limit: int | Unset = 100,
    wait: int | Unset = 0,
) -> Response[CallLogPage | Problem | ValidationProblem]:
    """New call log entries

     Oldest first, at least once: reading changes nothing, so the same entries come again until their
    `cursor` is acknowledged (`POST .../ack`). Without `after`: the entries after this API secret's
    acknowledged position (a new secret starts at the oldest kept entry). With `after`: the entries
    after that cursor; `after=start` replays from the oldest kept entry. A bad cursor is 400
    `invalid_cursor`. A rolled secret's successor reads on from its predecessor's position and accepts
    its cursors.

    With `wait`, an answer without entries waits up to that many seconds for the next entry of the log
    (long-poll).

    **Permission:** `read`. An API secret without it gets 403 `insufficient_permission`.

    Args:
        after (str | Unset):
        limit (int | Unset):  Default: 100.
        wait (int | Unset):  Default: 0.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CallLogPage | Problem | ValidationProblem]
    """

    kwargs = _get_kwargs(
        after=after,
        limit=limit,
        wait=wait,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    after: str | Unset = UNSET,
    limit: int | Unset = 100,
    wait: int | Unset = 0,
) -> CallLogPage | Problem | ValidationProblem | None:
    """New call log entries

     Oldest first, at least once: reading changes nothing, so the same entries come again until their
    `cursor` is acknowledged (`POST .../ack`). Without `after`: the entries after this API secret's
    acknowledged position (a new secret starts at the oldest kept entry). With `after`: the entries
    after that cursor; `after=start` replays from the oldest kept entry. A bad cursor is 400
    `invalid_cursor`. A rolled secret's successor reads on from its predecessor's position and accepts
    its cursors.

    With `wait`, an answer without entries waits up to that many seconds for the next entry of the log
    (long-poll).

    **Permission:** `read`. An API secret without it gets 403 `insufficient_permission`.

    Args:
        after (str | Unset):
        limit (int | Unset):  Default: 100.
        wait (int | Unset):  Default: 0.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CallLogPage | Problem | ValidationProblem
    """

    return (
        await asyncio_detailed(
            client=client,
            after=after,
            limit=limit,
            wait=wait,
        )
    ).parsed
