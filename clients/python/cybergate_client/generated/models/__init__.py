"""Contains all the data models used in inputs/outputs"""

from .ack_request import AckRequest
from .acknowledged import Acknowledged
from .active_call import ActiveCall
from .active_call_detail import ActiveCallDetail
from .actor_type_enum import ActorTypeEnum
from .audit_action_enum import AuditActionEnum
from .audit_actor import AuditActor
from .audit_entry import AuditEntry
from .audit_entry_details import AuditEntryDetails
from .audit_page import AuditPage
from .availability_enum import AvailabilityEnum
from .availability_update_request import AvailabilityUpdateRequest
from .call_group import CallGroup
from .call_group_member import CallGroupMember
from .call_group_ref import CallGroupRef
from .call_log_device import CallLogDevice
from .call_log_entry import CallLogEntry
from .call_log_page import CallLogPage
from .call_result_enum import CallResultEnum
from .device_ref import DeviceRef
from .door_open_accepted import DoorOpenAccepted
from .door_open_accepted_status_enum import DoorOpenAcceptedStatusEnum
from .door_open_command import DoorOpenCommand
from .door_open_command_reason_enum import DoorOpenCommandReasonEnum
from .door_open_command_status_enum import DoorOpenCommandStatusEnum
from .door_open_request import DoorOpenRequest
from .paginated_active_call_list import PaginatedActiveCallList
from .paginated_call_group_list import PaginatedCallGroupList
from .patched_webhook_endpoint_update_request import PatchedWebhookEndpointUpdateRequest
from .problem import Problem
from .problem_code_enum import ProblemCodeEnum
from .ring_strategy_enum import RingStrategyEnum
from .sandbox_call import SandboxCall
from .sandbox_door_open_enum import SandboxDoorOpenEnum
from .sandbox_ring_request import SandboxRingRequest
from .secret_info import SecretInfo
from .state_enum import StateEnum
from .teams_user import TeamsUser
from .tenant_info import TenantInfo
from .validation_problem import ValidationProblem
from .validation_problem_errors import ValidationProblemErrors
from .version import Version
from .webhook_api_secret_summary import WebhookApiSecretSummary
from .webhook_attempt import WebhookAttempt
from .webhook_attempt_status_enum import WebhookAttemptStatusEnum
from .webhook_endpoint import WebhookEndpoint
from .webhook_endpoint_created import WebhookEndpointCreated
from .webhook_endpoint_list import WebhookEndpointList
from .webhook_endpoint_write_request import WebhookEndpointWriteRequest
from .webhook_event_api_secret_created import WebhookEventApiSecretCreated
from .webhook_event_api_secret_deleted import WebhookEventApiSecretDeleted
from .webhook_event_api_secret_expired import WebhookEventApiSecretExpired
from .webhook_event_api_secret_expired_data import WebhookEventApiSecretExpiredData
from .webhook_event_api_secret_expiring import WebhookEventApiSecretExpiring
from .webhook_event_api_secret_expiring_data import WebhookEventApiSecretExpiringData
from .webhook_event_api_secret_rolled import WebhookEventApiSecretRolled
from .webhook_event_api_secret_rolled_data import WebhookEventApiSecretRolledData
from .webhook_event_availability_changed import WebhookEventAvailabilityChanged
from .webhook_event_availability_changed_data import WebhookEventAvailabilityChangedData
from .webhook_event_call_answered import WebhookEventCallAnswered
from .webhook_event_call_ended import WebhookEventCallEnded
from .webhook_event_call_ringing import WebhookEventCallRinging
from .webhook_event_call_ringing_data import WebhookEventCallRingingData
from .webhook_event_door_open_executed import WebhookEventDoorOpenExecuted
from .webhook_event_door_open_expired import WebhookEventDoorOpenExpired
from .webhook_event_door_open_failed import WebhookEventDoorOpenFailed
from .webhook_event_type_enum import WebhookEventTypeEnum
from .webhook_event_webhook_test import WebhookEventWebhookTest
from .webhook_event_webhook_test_data import WebhookEventWebhookTestData
from .webhook_message import WebhookMessage
from .webhook_message_list import WebhookMessageList
from .webhook_message_payload import WebhookMessagePayload
from .webhook_message_status_enum import WebhookMessageStatusEnum
from .webhook_recover_request import WebhookRecoverRequest
from .webhook_recovered import WebhookRecovered

__all__ = (
    "AckRequest",
    "Acknowledged",
    "ActiveCall",
    "ActiveCallDetail",
    "ActorTypeEnum",
    "AuditActionEnum",
    "AuditActor",
    "AuditEntry",
    "AuditEntryDetails",
    "AuditPage",
    "AvailabilityEnum",
    "AvailabilityUpdateRequest",
    "CallGroup",
    "CallGroupMember",
    "CallGroupRef",
    "CallLogDevice",
    "CallLogEntry",
    "CallLogPage",
    "CallResultEnum",
    "DeviceRef",
    "DoorOpenAccepted",
    "DoorOpenAcceptedStatusEnum",
    "DoorOpenCommand",
    "DoorOpenCommandReasonEnum",
    "DoorOpenCommandStatusEnum",
    "DoorOpenRequest",
    "PaginatedActiveCallList",
    "PaginatedCallGroupList",
    "PatchedWebhookEndpointUpdateRequest",
    "Problem",
    "ProblemCodeEnum",
    "RingStrategyEnum",
    "SandboxCall",
    "SandboxDoorOpenEnum",
    "SandboxRingRequest",
    "SecretInfo",
    "StateEnum",
    "TeamsUser",
    "TenantInfo",
    "ValidationProblem",
    "ValidationProblemErrors",
    "Version",
    "WebhookApiSecretSummary",
    "WebhookAttempt",
    "WebhookAttemptStatusEnum",
    "WebhookEndpoint",
    "WebhookEndpointCreated",
    "WebhookEndpointList",
    "WebhookEndpointWriteRequest",
    "WebhookEventApiSecretCreated",
    "WebhookEventApiSecretDeleted",
    "WebhookEventApiSecretExpired",
    "WebhookEventApiSecretExpiredData",
    "WebhookEventApiSecretExpiring",
    "WebhookEventApiSecretExpiringData",
    "WebhookEventApiSecretRolled",
    "WebhookEventApiSecretRolledData",
    "WebhookEventAvailabilityChanged",
    "WebhookEventAvailabilityChangedData",
    "WebhookEventCallAnswered",
    "WebhookEventCallEnded",
    "WebhookEventCallRinging",
    "WebhookEventCallRingingData",
    "WebhookEventDoorOpenExecuted",
    "WebhookEventDoorOpenExpired",
    "WebhookEventDoorOpenFailed",
    "WebhookEventTypeEnum",
    "WebhookEventWebhookTest",
    "WebhookEventWebhookTestData",
    "WebhookMessage",
    "WebhookMessageList",
    "WebhookMessagePayload",
    "WebhookMessageStatusEnum",
    "WebhookRecoverRequest",
    "WebhookRecovered",
)
