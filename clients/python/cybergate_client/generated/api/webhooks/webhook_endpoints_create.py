from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.validation_problem import ValidationProblem
from ...models.webhook_endpoint_created import WebhookEndpointCreated
from ...models.webhook_endpoint_write_request import WebhookEndpointWriteRequest
from ...types import Response


def _get_kwargs(
    *,
    body: WebhookEndpointWriteRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/webhook-endpoints",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | ValidationProblem | WebhookEndpointCreated | None:
    if response.status_code == 201:
        response_201 = WebhookEndpointCreated.from_dict(response.json())

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
) -> Response[Problem | ValidationProblem | WebhookEndpointCreated]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: WebhookEndpointWriteRequest,
) -> Response[Problem | ValidationProblem | WebhookEndpointCreated]:
    """Add a webhook endpoint

     Add an endpoint; the answer carries its signing secret, this once. Writes the audit entry
    `webhook_endpoint.created`.

    **Permission:** `webhooks`. An API secret without it gets 403 `insufficient_permission`.

    Args:
        body (WebhookEndpointWriteRequest): The body of create (url required) and update (every
            field optional).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | ValidationProblem | WebhookEndpointCreated]
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
    body: WebhookEndpointWriteRequest,
) -> Problem | ValidationProblem | WebhookEndpointCreated | None:
    """Add a webhook endpoint

     Add an endpoint; the answer carries its signing secret, this once. Writes the audit entry
    `webhook_endpoint.created`.

    **Permission:** `webhooks`. An API secret without it gets 403 `insufficient_permission`.

    Args:
        body (WebhookEndpointWriteRequest): The body of create (url required) and update (every
            field optional).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | ValidationProblem | WebhookEndpointCreated
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: WebhookEndpointWriteRequest,
) -> Response[Problem | ValidationProblem | WebhookEndpointCreated]:
    """Add a webhook endpoint

     Add an endpoint; the answer carries its signing secret, this once. Writes the audit entry
    `webhook_endpoint.created`.

    **Permission:** `webhooks`. An API secret without it gets 403 `insufficient_permission`.

    Args:
        body (WebhookEndpointWriteRequest): The body of create (url required) and update (every
            field optional).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | ValidationProblem | WebhookEndpointCreated]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: WebhookEndpointWriteRequest,
) -> Problem | ValidationProblem | WebhookEndpointCreated | None:
    """Add a webhook endpoint

     Add an endpoint; the answer carries its signing secret, this once. Writes the audit entry
    `webhook_endpoint.created`.

    **Permission:** `webhooks`. An API secret without it gets 403 `insufficient_permission`.

    Args:
        body (WebhookEndpointWriteRequest): The body of create (url required) and update (every
            field optional).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | ValidationProblem | WebhookEndpointCreated
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
