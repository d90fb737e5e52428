"""Every table of dutydesk, imported here so Alembic sees the whole metadata."""

from models.accounts import ApiToken, LoginFailure, LoginSession, Role, User
from models.audit import AuditCheck, AuditEntry
from models.org import Person, Unit, UnitType
from models.deliveries import ChannelConfig, Delivery, DeliveryAttempt  # noqa: F401  deliveries (issue 4)
from models.inspections import (  # noqa: F401  spot checks (issue 6)
    Circular, ExplanationRequest, Inspection, InspectionAttachment, ReminderNotice, VideoRollCall)
from models.spotchecks import IvrAttempt, PhoneCheck, PlannedCheck, SpotCheckPlan  # noqa: F401
from models.incidents import Deadline, Incident, PhoneLog, Report  # noqa: F401  incidents (issue 5)
from models.escalation import AckToken, Acknowledgement, EscalationState, Notice, PolicyRuleRow  # noqa: F401
from models.instructions import Instruction, InstructionItem  # noqa: F401
from models.rosters import (  # noqa: F401  rosters (issue 3)
    DutyPost, HolidayDay, PoolMember, RosterGap, RosterMonth, RosterSlot, RotationState, UnitRosterPolicy)
from models.roster_ops import (  # noqa: F401
    DutyLogEntry, FeedToken, Handover, LeavePair, LeaveReport, RosterReminder, Swap)

__all__ = ["ApiToken", "AuditCheck", "AuditEntry", "LoginFailure", "LoginSession", "Person", "Role", "Unit", "UnitType", "User"]
