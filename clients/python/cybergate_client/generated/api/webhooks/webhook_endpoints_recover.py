from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.validation_problem import ValidationProblem
from ...models.webhook_recover_request import WebhookRecoverRequest
from ...models.webhook_recovered import WebhookRecovered
from ...types import Response


def _get_kwargs(
    id: UUID,
    *,
    body: WebhookRecoverRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/webhook-endpoints/{id}/recover".format(
            id=quote(str(id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | ValidationProblem | WebhookRecovered | None:
    if response.status_code == 202:
        response_202 = WebhookRecovered.from_dict(response.json())

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
) -> Response[Problem | ValidationProblem | WebhookRecovered]:
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
    body: WebhookRecoverRequest,
) -> Response[Problem | ValidationProblem | WebhookRecovered]:
    """Recover failed messages

     Send again every failed message of the endpoint created since `since` (e.g. after it was down or
    disabled). Writes the audit entry `webhook_endpoint.messages_recovered`.

    **Permission:** `webhooks`. An API secret without it gets 403 `insufficient_permission`.

    Args:
        id (UUID):
        body (WebhookRecoverRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | ValidationProblem | WebhookRecovered]
    """

    kwargs = _get_kwargs(
        id=id,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    id: UUID,
    *,
    client: AuthenticatedClient,
    body: WebhookRecoverRequest,
) -> Problem | ValidationProblem | WebhookRecovered | None:
    """Recover failed messages

     Send again every failed message of the endpoint created since `since` (e.g. after it was down or
    disabled). Writes the audit entry `webhook_endpoint.messages_recovered`.

    **Permission:** `webhooks`. An API secret without it gets 403 `insufficient_permission`.

    Args:
        id (UUID):
        body (WebhookRecoverRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | ValidationProblem | WebhookRecovered
    """

    return sync_detailed(
        id=id,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    id: UUID,
    *,
    client: AuthenticatedClient,
    body: WebhookRecoverRequest,
) -> Response[Problem | ValidationProblem | WebhookRecovered]:
    """Recover failed messages

     Send again every failed message of the endpoint created since `since` (e.g. after it was down or
    disabled). Writes the audit entry `webhook_endpoint.messages_recovered`.

    **Permission:** `webhooks`. An API secret without it gets 403 `insufficient_permission`.

    Args:
        id (UUID):
        body (WebhookRecoverRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | ValidationProblem | WebhookRecovered]
    """

    kwargs = _get_kwargs(
        id=id,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    id: UUID,
    *,
    client: AuthenticatedClient,
    body: WebhookRecoverRequest,
) -> Problem | ValidationProblem | WebhookRecovered | None:
    """Recover failed messages

     Send again every failed message of the endpoint created since `since` (e.g. after it was down or
    disabled). Writes the audit entry `webhook_endpoint.messages_recovered`.

    **Permission:** `webhooks`. An API secret without it gets 403 `insufficient_permission`.

    Args:
        id (UUID):
        body (WebhookRecoverRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | ValidationProblem | WebhookRecovered
    """

    return (
        await asyncio_detailed(
            id=id,
            client=client,
            body=body,
        )
    ).parsed
