"""Console wording of the incidents pages: message id -> (zh-CN, English)."""

WORDS: dict[str, tuple[str, str]] = {
    "nav.incidents": ("突发事件", "Incidents"), "nav.incident_tasks": ("批示转办", "Instructions"),
    "inc.new": ("接报登记", "Log an incident"), "inc.title": ("事件名称", "Title"),
    "inc.category": ("事件类别", "Category"), "inc.type": ("事件类型", "Type"), "inc.unit": ("报告单位", "Unit"),
    "inc.occurred_at": ("事发时间", "Occurred"), "inc.received_at": ("接报时间", "Received (接报)"),
    "inc.place": ("事发地点", "Place"), "inc.source": ("信息来源", "Source"), "inc.reporter": ("报告人", "Reporter"),
    "inc.contact": ("联系方式", "Contact"), "inc.deaths": ("死亡", "Deaths"), "inc.injured": ("受伤", "Injured"),
    "inc.seriously_injured": ("重伤", "Seriously injured"), "inc.missing": ("失联", "Missing"),
    "inc.scope": ("影响范围", "Scope"), "inc.measures": ("已采取措施", "Measures taken"),
    "inc.leader_on_site": ("现场领导", "Leader on site"), "inc.sensitive": ("敏感事件", "Sensitive"),
    "inc.grade": ("事件等级", "Grade"), "inc.suggested": ("建议等级", "Suggested grade"),
    "inc.override_reason": ("调整理由", "Reason for override"), "inc.next_deadline": ("最近时限", "Next deadline"),
    "inc.ack": ("确认", "Acknowledged"), "inc.unacked": ("未确认", "Not acknowledged"),
    "inc.flags": ("审核提示", "Review flags"), "inc.timeline": ("处置时间线", "Timeline"),
    "inc.reports": ("报告", "Reports"), "inc.deadlines": ("报送时限", "Deadlines"),
    "inc.instructions": ("领导批示", "Instructions"), "inc.add_report": ("报送报告", "Add report"),
    "inc.ack_now": ("确认收到", "Acknowledge"), "inc.first_report": ("同时报送首报", "Also send the first report"),
    "inc.figure_hint": ("人数或“待核实”", "a count or 待核实"), "inc.status": ("状态", "Status"),
    "inc.escalation": ("升级通知", "Escalation"), "inc.print": ("打印", "Print"),
    "inc.instruct": ("记录批示并转办", "Record and forward"), "inc.feedback": ("反馈", "Feedback"),
    "inc.accept": ("办结", "Accept"), "inc.due": ("反馈时限", "Due"), "inc.overdue": ("超时", "Overdue"),
}
