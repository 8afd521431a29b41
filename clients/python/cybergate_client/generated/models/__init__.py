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
from .problem import Problem
from .problem_code_enum import ProblemCodeEnum
from .ring_strategy_enum import RingStrategyEnum
from .secret_info import SecretInfo
from .teams_user import TeamsUser
from .tenant_info import TenantInfo
from .validation_problem import ValidationProblem
from .validation_problem_errors import ValidationProblemErrors
from .version import Version

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
    "Problem",
    "ProblemCodeEnum",
    "RingStrategyEnum",
    "SecretInfo",
    "TeamsUser",
    "TenantInfo",
    "ValidationProblem",
    "ValidationProblemErrors",
    "Version",
)
