"""Who may do what: the one role table every route checks.

Permissions are "<area>:<verb>"; later issues add their areas here.
"""

from __future__ import annotations

from models.accounts import EVERYONE, STAFF, Role

# Where an account's console starts (after signing in, and when it opens the front page "/" it may not read): the
# wall screen's account sees nothing but the wall.
HOME_PAGES: dict[Role, str] = {Role.display: "/wall"}


def home_page(role: Role) -> str:
    return HOME_PAGES.get(role, "/")


PERMISSIONS: dict[str, frozenset[Role]] = {
    "dashboard:read": EVERYONE,
    "live:read": frozenset(Role),  # /events: which topics changed (no data)
    "wall:read": frozenset({Role.admin, Role.duty_officer, Role.leader, Role.auditor, Role.display}),
    "directory:read": EVERYONE,  # unit reporters see only their own unit
    "directory:write": STAFF,
    # contact methods and notification rules (issue 17): one's own, a unit reporter their unit's people, the office
    # anyone's (decided in services/directory/contacts.py); auditors read
    "contacts:read": EVERYONE,
    "contacts:write": frozenset({Role.admin, Role.duty_officer, Role.leader, Role.unit_reporter}),
    "users:read": frozenset({Role.admin}),
    "users:write": frozenset({Role.admin}),
    "tokens:write": frozenset({Role.admin}),
    "account:password": EVERYONE,  # one's own password
    "audit:read": frozenset({Role.admin, Role.auditor}),
    "ops:read": frozenset({Role.admin, Role.duty_officer, Role.auditor}),
    # deliveries (issue 4): message states for staff, channel secrets only ever redacted, an inbox for everyone
    "deliveries:read": frozenset({Role.admin, Role.duty_officer, Role.leader, Role.auditor}),
    "channels:read": STAFF,
    "channels:write": frozenset({Role.admin}),
    "inbox:read": EVERYONE,
    # rosters (issue 3): unit reporters manage only their own unit; leaders file their own leave
    "rosters:read": EVERYONE,
    "rosters:write": frozenset({Role.admin, Role.duty_officer, Role.unit_reporter}),
    "leaves:read": EVERYONE,
    "leaves:write": frozenset({Role.admin, Role.duty_officer, Role.leader, Role.unit_reporter}),
    "leaves:approve": STAFF,
    "leave_pairs:write": STAFF,  # who must not be away together: the duty office decides
    "swaps:read": EVERYONE,
    "swaps:write": frozenset({Role.admin, Role.duty_officer, Role.leader, Role.unit_reporter}),
    "swaps:approve": frozenset({Role.admin, Role.duty_officer, Role.unit_reporter}),
    "handovers:write": frozenset({Role.admin, Role.duty_officer, Role.unit_reporter}),
    "holidays:write": frozenset({Role.admin}),
    # spot checks (issue 6): plans and their times are secret from units
    "spotcheck_plans:read": frozenset({Role.admin, Role.duty_officer, Role.auditor}),
    "spotcheck_plans:write": STAFF,
    "spotchecks:read": frozenset({Role.admin, Role.duty_officer, Role.leader, Role.auditor}),
    "spotchecks:write": STAFF,
    "spotchecks:export": frozenset({Role.admin, Role.auditor}),
    "explanations:read": EVERYONE,  # unit reporters see only their own unit's
    "explanations:answer": frozenset({Role.admin, Role.duty_officer, Role.unit_reporter}),
    "statistics:read": frozenset({Role.admin, Role.duty_officer, Role.leader, Role.auditor}),
    # incidents (issue 5): officers log, unit reporters only for their own unit, leaders acknowledge and instruct
    "incidents:read": EVERYONE,  # unit reporters see only their own unit's
    "incidents:write": frozenset({Role.admin, Role.duty_officer, Role.unit_reporter}),
    "incidents:grade": STAFF,
    "incidents:ack": frozenset({Role.admin, Role.duty_officer, Role.leader}),
    "instructions:write": frozenset({Role.admin, Role.duty_officer, Role.leader}),
    "instructions:feedback": frozenset({Role.admin, Role.duty_officer, Role.unit_reporter}),
    "instructions:accept": STAFF,
    # escalation policies (issue 17): the duty office edits them; leaders and auditors read them
    "escalation_policies:read": frozenset({Role.admin, Role.duty_officer, Role.leader, Role.auditor}),
    "escalation_policies:write": STAFF,
}


def allowed(role: Role, permission: str) -> bool:
    """True when `role` holds `permission`; unknown permissions are denied."""
    return role in PERMISSIONS.get(permission, frozenset())


# What a permission lets one do, in words (a refusal's reason, the audit log): area and verb, zh-CN and English.
AREA_WORDS = {
    "account": ("本人账户", "one's own account"), "audit": ("审计日志", "the audit log"),
    "channels": ("发送渠道", "delivery channels"), "contacts": ("联系方式", "contact methods"),
    "dashboard": ("首页", "the dashboard"), "deliveries": ("消息发送记录", "message deliveries"),
    "directory": ("通讯录", "the directory"), "escalation_policies": ("升级策略", "escalation policies"),
    "explanations": ("情况说明", "explanations"), "handovers": ("交接班", "handovers"),
    "holidays": ("节假日安排", "holidays"), "inbox": ("消息", "the inbox"), "incidents": ("突发事件", "incidents"),
    "instructions": ("领导批示", "instructions"), "leave_pairs": ("不得同时请假的人员", "leave pairs"),
    "leaves": ("请假", "leave"), "live": ("实时更新", "live updates"), "ops": ("运行状态", "operations"),
    "rosters": ("值班表", "rosters"), "spotcheck_plans": ("抽查计划", "spot-check plans"),
    "spotchecks": ("电话抽查", "spot checks"), "statistics": ("值班统计", "statistics"), "swaps": ("换班", "swaps"),
    "tokens": ("API 令牌", "API tokens"), "users": ("用户账户", "user accounts"), "wall": ("值班大屏", "the wall display"),
}
VERB_WORDS = {
    "read": ("查看", "view"), "write": ("编辑", "edit"), "approve": ("审批", "approve"), "export": ("导出", "export"),
    "answer": ("答复", "answer"), "grade": ("定级", "grade"), "ack": ("签收", "acknowledge"),
    "feedback": ("反馈", "give feedback on"), "accept": ("采纳", "accept"), "password": ("修改密码", "change the password of"),
}


def permission_words(permission: str) -> tuple[str, str]:
    """(zh-CN, English) for a permission: "spotchecks:write" -> ("编辑电话抽查", "edit spot checks"); an unknown
    one as it is."""
    area, _, verb = permission.partition(":")
    if area not in AREA_WORDS or verb not in VERB_WORDS:
        return permission, permission
    return VERB_WORDS[verb][0] + AREA_WORDS[area][0], f"{VERB_WORDS[verb][1]} {AREA_WORDS[area][1]}"
