"""Every table of dutydesk, imported here so Alembic sees the whole metadata."""

from models.accounts import ApiToken, LoginFailure, LoginSession, Role, User  # noqa: F401
from models.audit import AuditCheck, AuditEntry  # noqa: F401
from models.deliveries import CallbackEvent, ChannelConfig, Delivery, DeliveryAttempt, ProviderWindow  # noqa: F401
from models.directory import ContactMethod, NotificationRule, Person, Unit, UnitType  # noqa: F401
from models.incidents.escalation import (  # noqa: F401
    Acknowledgement,
    AckToken,
    EscalationState,
    Notice,
    PolicyRuleRow,
    PolicyVersionRow,
)
from models.incidents.instructions import Instruction, InstructionItem  # noqa: F401
from models.incidents.records import Deadline, Incident, PhoneLog, Report  # noqa: F401
from models.rosters.duty import DutyLogEntry, FeedToken, Handover, RosterReminder, Swap  # noqa: F401
from models.rosters.leave import LeavePair, LeaveReport  # noqa: F401
from models.rosters.roster import (  # noqa: F401
    DutyPost,
    HolidayDay,
    PoolMember,
    RosterDayNote,
    RosterGap,
    RosterMonth,
    RosterSlot,
    RosterStamp,
    RosterUnitStamp,
    RotationState,
    UnitRosterPolicy,
)
from models.spotchecks.checks import IvrAttempt, PhoneCheck, PlannedCheck, SpotCheckPlan  # noqa: F401
from models.spotchecks.inspections import (  # noqa: F401
    Circular,
    ExplanationRequest,
    Inspection,
    InspectionAttachment,
    ReminderNotice,
    VideoRollCall,
)
