"""Console wording: zh-CN first, English available. One table, keyed by message id.

The shell's own words are below; each feature keeps its wording in its `words.py`, merged here.
"""

from __future__ import annotations

from web.console.audit import words as audit_words
from web.console.deliveries import config_words, words as deliveries
from web.console.directory import words as directory
from web.console.incidents import words as incidents
from web.console.rosters import words as rosters
from web.console.spotchecks import words as spotchecks

LANGS = ("zh-CN", "en")
LANG_COOKIE = "dutydesk_lang"

MESSAGES: dict[str, tuple[str, str]] = {
    "app.name": ("值班值守系统", "dutydesk"),
    "shell.skip": ("跳到正文", "Skip to content"),
    "shell.menu": ("菜单", "Menu"),
    "shell.main_menu": ("主菜单", "Main menu"),
    "shell.live_on": ("实时更新", "Live"),
    "shell.live_off": ("连接中断，正在重连…", "Disconnected, reconnecting…"),
    "shell.live_expired": ("登录已过期，请刷新页面", "Signed out: reload the page"),
    "navgroup.duty": ("值班值守", "Duty"),
    "navgroup.rosters": ("值班安排", "Scheduling"),  # not "Rosters": its first item is 值班表, Rosters
    "navgroup.checks": ("抽查与统计", "Checks and statistics"),
    "navgroup.system": ("系统管理", "Administration"),
    "app.tagline": ("值班值守与突发事件信息报送", "Duty and emergency reporting"),
    "nav.dashboard": ("今日值班", "Today"),
    "nav.units": ("单位", "Units"),
    "nav.people": ("人员", "People"),
    "nav.accounts": ("账号", "Accounts"),
    "nav.audit": ("审计日志", "Audit log"),
    "nav.logout": ("退出", "Log out"),
    "nav.password": ("修改密码", "Change password"),
    "password.current": ("当前密码", "Current password"),
    "password.new": ("新密码", "New password"),
    "password.repeat": ("再次输入新密码", "New password again"),
    "password.mismatch": ("两次输入的新密码不一致", "The two new passwords differ"),
    "password.length": ("新密码须为 8–128 个字符", "The new password needs 8 to 128 characters"),
    "password.warning": ("注意：修改密码后，此账号的全部 API 令牌将被吊销（使用它们的系统对接须换用新令牌），"
                         "此账号创建的值班日历订阅也将被吊销（订阅的日历须重新订阅），"
                         "此账号在其他设备和浏览器上的登录也将全部退出。",
                         "Note: changing the password revokes all of this account's API tokens (systems using them "
                         "need new ones) and the duty calendar (iCal) feeds it made (calendars must subscribe "
                         "again), and logs this account out on every other device and browser."),
    "password.warning_tokens": ("此账号当前有 {n} 个有效的 API 令牌。", "This account has {n} API token(s) in use now."),
    "password.changed": ("密码已修改；此账号在其他设备和浏览器上的登录已全部退出",
                         "Password changed; this account was logged out on every other device and browser"),
    "token.title": ("API 令牌", "API tokens"),
    "token.name": ("用途", "Purpose"),
    "token.prefix": ("前缀", "Prefix"),
    "token.user": ("账号", "Account"),
    "token.created": ("创建时间", "Created"),
    "token.last_used": ("最近使用", "Last used"),
    "token.state": ("状态", "State"),
    "token.revoked": ("已吊销", "Revoked"),
    "token.valid": ("有效", "Valid"),
    "token.revoke": ("吊销", "Revoke"),
    "token.revoke_confirm": ("吊销后使用此令牌的系统将立即无法访问，确定吗？",
                             "Systems using this token lose access at once. Revoke it?"),
    "token.revoked_notice": ("令牌已吊销", "Token revoked"),
    "token.none": ("暂无令牌", "No tokens"),
    "login.title": ("登录", "Log in"),
    "login.username": ("用户名", "Username"),
    "login.password": ("密码", "Password"),
    "login.submit": ("登录", "Log in"),
    "login.failed": ("用户名或密码错误，或尝试次数过多请稍后再试", "Wrong username or password, or too many attempts: try later"),
    "dash.on_duty": ("当前在岗", "On duty now"),
    "now.total": ("共 {n} 个单位", "{n} units in all"), "now.first_of": ("（前 {n} 个，共 {total} 个单位）", " (first {n} of {total} units)"),
    "now.link": ("查看全部 {n} 个单位的在岗人员", "All {n} units on duty"), "now.filter": ("单位名称或代码", "Unit name or code"),
    "now.problems_only": ("只看有问题的单位", "Only units with a problem"), "now.clear": ("清除筛选", "Clear the filter"),
    "now.matching": ("符合条件的单位：{n} 个", "Matching units: {n}"), "now.none": ("没有符合条件的单位", "No unit matches"),
    "now.pages": ("分页", "Pages"), "now.page": ("第 {page} / {pages} 页", "Page {page} of {pages}"),
    "now.problem.nobody": ("无人在岗", "Nobody on duty"), "now.problem.gap": ("缺岗", "A post empty"),
    "wall.duty_more": ("另有 {n} 个单位未列出", "{n} more units not listed"),
    "pick.filter": ("输入姓名、单位或职务筛选", "Type a name, unit or title to filter"),
    "pick.no_unit": ("未分单位", "No unit"),
    "wall.title": ("值班大屏", "Duty room wall"), "wall.fullscreen": ("全屏", "Full screen"),
    "wall.back": ("返回控制台", "Back to the console"), "wall.incidents": ("未结事件", "Open incidents"),
    "wall.problems": ("超时与故障", "Late and failed"), "wall.overdue": ("报送超时", "Report overdue"),
    "wall.overdue_row": ("报送超时：{what}", "Report overdue: {what}"), "wall.grade": ("{roman}级", "Grade {roman}"),
    "wall.ackers": ("{first}等{n}人", "{first} and {others} more"),
    "wall.all_well": ("无超时，无故障", "Nothing late, nothing failed"),
    "wall.checks": ("今日抽查", "Today's spot checks"), "wall.no_checks": ("今日尚未抽查", "No spot checks yet today"),
    "wall.no_incidents": ("没有未结事件", "No open incidents"), "wall.month": ("本月情况", "This month"),
    "wall.chart_category": ("事件类别", "Incidents by category"), "wall.chart_grade": ("事件级别", "Incidents by grade"),
    "wall.chart_pass": ("抽查合格率", "Spot-check pass rate"), "wall.grade_suffix": ("级", ""),
    "wall.ungraded": ("待定级", "Ungraded"), "nav.wall": ("值班大屏", "Wall display"),
    "dash.mine": ("需要我处理", "Needs me now"),
    "dash.mine_none": ("没有待我确认的事件", "Nothing waits for you"),
    "dash.open_incidents": ("未结事件", "Open incidents"),
    "dash.pending": ("待办事项", "Pending tasks"),
    "dash.alerts": ("告警", "Alerts"),
    "dash.no_alerts": ("无告警", "No alerts"),
    "dash.none_yet": ("暂无数据", "Nothing yet"),
    "unit.name": ("单位名称", "Name"),
    "unit.code": ("代码", "Code"),
    "unit.type": ("类型", "Type"),
    "unit.parent": ("上级单位", "Parent"),
    "unit.duty_phone": ("值班电话", "Duty phone"),
    "unit.address": ("地址", "Address"),
    "unit.type.county_office": ("总值班室", "County duty office"),
    "unit.type.town": ("镇街", "Town / street"),
    "unit.type.department": ("部门", "Department"),
    "person.name": ("姓名", "Name"),
    "person.title": ("职务", "Title"),
    "person.unit": ("单位", "Unit"),
    "person.mobile": ("手机", "Mobile"),
    "person.office_phone": ("办公电话", "Office phone"),
    "person.email": ("邮箱", "Email"),
    "person.leading_cadre": ("县管正职", "Leading cadre"),
    "person.unit_head": ("单位主要负责人", "Unit head"),
    "person.domain": ("分管领域", "Domains"),
    "common.active": ("在用", "Active"),
    "common.inactive": ("已停用", "Inactive"),
    "common.actions": ("操作", "Actions"),
    "common.save": ("保存", "Save"),
    "common.create": ("新建", "New"),
    "common.edit": ("编辑", "Edit"),
    "common.deactivate": ("停用", "Deactivate"),
    "common.import": ("导入", "Import"),
    "common.export": ("导出", "Export"),
    "common.yes": ("是", "Yes"),
    "common.no": ("否", "No"),
    "common.date": ("日期", "Date"), "common.month": ("月份", "Month"),
    "common.status": ("状态", "Status"),
    "common.type": ("类型", "Type"),
    "common.submit": ("提交", "Submit"),
    "common.view": ("查看", "Show"),
    "common.all": ("全部", "All"),
    "common.list_sep": ("、", ", "),
    **{f"month.name.{n}": (f"{n}月", en) for n, en in enumerate(
        ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
         "November", "December"), start=1)},
    **{f"month.short.{n}": (f"{n}月", en) for n, en in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), start=1)},
    "account.username": ("用户名", "Username"),
    "account.person": ("对应人员（通讯录）", "Person (directory)"),
    "account.person_hint": ("领导账号须关联人员，才能收到通知和待办。", "A leader's account is notified only when linked to a person."),
    "account.role": ("角色", "Role"),
    "role.admin": ("管理员", "Administrator"),
    "role.duty_officer": ("值班员", "Duty officer"),
    "role.leader": ("领导", "Leader"),
    "role.unit_reporter": ("单位填报员", "Unit reporter"),
    "role.auditor": ("审计员", "Auditor"),
    "role.display": ("值班大屏", "Wall display"),
    "audit.at": ("时间", "When"),
    "audit.actor": ("操作人", "Who"),
    "audit.action": ("动作", "Action"),
    "audit.entity": ("对象", "What"),
    "audit.chain_ok": ("审计链校验通过", "Audit chain intact"),
    "audit.chain_bad": ("审计链校验发现篡改", "Audit chain broken"),
    "audit.never_checked": ("尚未校验审计链", "The audit chain has not been verified yet"),
    "audit.checked_at": ("校验时间", "Verified at"),
    "audit.pending": ("待封存", "Pending"),
    "audit.verify_now": ("立即校验", "Verify now"),
    "roster.leader": ("带班领导", "Duty leader"),
    "roster.officer": ("值班员", "Duty officers"),
    "category.natural_disaster": ("自然灾害", "Natural disaster"),
    "category.accident": ("事故灾难", "Accident"),
    "category.public_health": ("公共卫生事件", "Public health"),
    "category.social_security": ("社会安全事件", "Social security"),
    "category.public_opinion": ("网络舆情", "Online public opinion"),
    "form.errors_title": ("未能保存，请修改以下内容", "Not saved: please correct the following"),
    "form.field_reason": ("{label}：{reason}", "{label}: {reason}"),
    "error.forbidden": ("无权访问此页面", "You may not open this page"),
    "error.not_found": ("未找到", "Not found"),
    # a console request refused below the services (web/app.py's handlers), in the page's words
    "error.http_404": ("未找到此页面", "This page does not exist"),
    "error.http_405": ("此页面不接受这种请求方式", "This page does not accept this kind of request"),
    "error.http": ("请求未能完成（{status}）", "The request could not be completed ({status})"),
    "error.conflict": ("与已有数据冲突，未保存", "Conflicts with existing data: nothing was saved"),
    "error.data": ("数据不符合字段的长度或范围，未保存", "A value does not fit its field's length or range: nothing was saved"),
    "error.db_down": ("数据库暂时不可用，请稍后重试", "The database is unavailable for a moment: try again shortly"),
    # a form the request boundary refused (web/boundary.py): the page says which field and why
    "refused.title": ("提交的内容无法接受", "The form could not be accepted"),
    "refused.field": ("“{field}”{reason}。请修改后重新提交。", "{field}: {reason}. Correct it and submit again."),
    "refused.too_deep": ("嵌套层数过多", "is nested too deep"),
    "refused.form": ("表单{reason}。请修改后重新提交。", "The form {reason}. Correct it and submit again."),
    "refused.address": ("页面地址或表单中的“{fields}”无效，请从菜单重新进入该页面。",
                        "The page's address or form has an invalid {fields}: open the page again from the menu."),
    "refused.control_character": ("含有不允许的控制字符 {char}（常见于从其他文档粘贴的内容）",
                                  "contains a control character that is not allowed ({char}; often pasted from "
                                  "another document)"),
    "refused.int_range": ("中的数字超出范围", "holds a number out of range"),
    "refused.finite_number": ("必须是有限数值", "must be a finite number"),
    "refused.encoding": ("不是 UTF-8 编码", "is not UTF-8 encoded"),
    "refused.too_large": ("提交的内容过大（上限 {mb} MB）", "is too large (at most {mb} MB)"),
    "refused.back": ("返回表单", "Back to the form"),
    **{f"field.{k}": v for k, v in {
        "title": ("标题", "Title"), "name": ("名称", "Name"), "type": ("类型", "Type"), "place": ("地点", "Place"),
        "source": ("信息来源", "Source"), "reporter": ("报告人", "Reporter"), "reporter_contact": ("联系方式", "Contact"),
        "contact": ("联系方式", "Contact"), "scope": ("影响范围", "Scope"), "measures": ("已采取措施", "Measures taken"),
        "leader_on_site": ("现场领导", "Leader on site"), "grade_override_reason": ("调整理由", "Reason for override"),
        "reason": ("理由", "Reason"), "text": ("内容", "Text"), "content": ("内容", "Content"), "notes": ("备注", "Notes"),
        "body": ("正文", "Body"), "findings": ("检查发现", "Findings"), "situation": ("情况", "Situation"),
        "cause": ("原因", "Cause"), "handling": ("处置情况", "Handling"), "aftermath": ("善后情况", "Aftermath"),
        "answer": ("答复", "Answer"), "destination": ("前往地点", "Destination"), "arrangements": ("工作安排", "Arrangements"),
        "together_reason": ("同时离岗理由", "Reason for being away together"), "urgent_reason": ("加急理由", "Reason for urgency"),
        "items": ("事项", "Items"), "places": ("地点", "Places"), "inspectors": ("检查人员", "Inspectors"),
        "by_name": ("经办人", "Handled by"), "answered_by": ("接听人", "Answered by"), "reached": ("接通对象", "Reached"),
        "caller": ("来电人", "Caller"), "config": ("配置", "Configuration"), "username": ("用户名", "Username"),
        "display_name": ("姓名", "Name"), "password": ("密码", "Password"), "current_password": ("当前密码", "Current password"),
        "password_repeat": ("再次输入新密码", "New password again"), "code": ("编码", "Code"), "address": ("地址", "Address"),
        "duty_phone": ("值班电话", "Duty phone"), "mobile": ("手机", "Mobile"), "office_phone": ("办公电话", "Office phone"),
        "email": ("电子邮箱", "Email"), "occurred_at": ("事发时间", "Occurred"), "received_at": ("接报时间", "Received"),
        "deaths": ("死亡", "Deaths"), "injured": ("受伤", "Injured"), "seriously_injured": ("重伤", "Seriously injured"),
        "missing": ("失联", "Missing"), "csrf_token": ("安全令牌", "Security token"),
        # a console address's own parts (a refused query names them too)
        "page": ("页码", "Page"), "seq": ("序号", "Entry number"), "pos": ("编号", "Entry number"), "year": ("年份", "Year"), "quarter": ("季度", "Quarter"),
        "limit": ("条数", "Number of rows"), "offset": ("起始位置", "Offset"), "since": ("起始时间", "From"),
        "until": ("截止时间", "Until"), "next": ("跳转地址", "Next address"), "token": ("令牌", "Token"),
        "q": ("搜索词", "Search"), "lang": ("语言", "Language"),
    }.items()},
}


# What the audit log records, as people call it (the record keeps the internal names).
AUDIT_WORDS: dict[str, tuple[str, str]] = {
    **{f"enum.audit_action.{k}": v for k, v in audit_words.ACTIONS.items()},
    **{f"field.{k}": v for k, v in audit_words.FIELDS.items()},
    **audit_words.PAGE,
    **audit_words.NOTES,
    **{f"enum.entity.{k}": v for k, v in {
        "access": ("访问", "Access"), "incident": ("突发事件", "Incident"), "incident_report": ("事件报告", "Incident report"), "instruction": ("领导批示", "Instruction"),
        "instruction_item": ("批示转办", "Instruction item"), "duty_log": ("值班日志", "Duty log"), "phone_log": ("电话记录", "Phone log"),
        "escalation_policy": ("升级策略", "Escalation policy"), "channel": ("通知渠道", "Channel"), "delivery": ("消息", "Message"),
        "roster": ("值班表", "Roster"), "roster_slot": ("班次", "Roster slot"), "roster_policy": ("排班规则", "Roster rules"),
        "leave": ("请假报备", "Leave"), "leave_pair": ("不得同时外出", "Leave pair"), "swap": ("换班", "Swap"),
        "handover": ("交接班", "Handover"), "holiday": ("节假日", "Holiday"), "duty_post": ("值班岗位", "Duty post"),
        "duty_pool": ("轮值人员", "Duty pool"), "ical_feed": ("日历订阅", "Calendar feed"), "phone_check": ("电话抽查", "Spot check"),
        "planned_check": ("抽查计划项", "Planned check"), "spotcheck_plan": ("抽查计划", "Spot-check plan"), "circular": ("通报", "Circular"),
        "inspection": ("实地检查", "On-site inspection"), "inspection_attachment": ("检查附件", "Inspection attachment"),
        "explanation_request": ("情况说明要求", "Explanation request"), "video_roll_call": ("视频点名", "Video roll call"),
        "ivr_attempt": ("自动语音抽查", "Automated call"), "reminder_notice": ("提醒通知", "Reminder"),
        "spotcheck_export": ("抽查导出", "Spot-check export"), "unit": ("单位", "Unit"), "person": ("人员", "Person"),
        "user": ("账号", "Account"), "api_token": ("API 令牌", "API token"),
    }.items()},
}


def _merge(*tables: dict[str, tuple[str, str]]) -> None:
    for table in tables:
        clash = set(table) & set(MESSAGES)
        if clash:
            raise ValueError(f"message keys defined twice: {sorted(clash)}")
        MESSAGES.update(table)


_merge(AUDIT_WORDS, deliveries.WORDS, config_words.WORDS, directory.WORDS, incidents.WORDS, rosters.WORDS, spotchecks.WORDS)


def translate(key: str, lang: str) -> str:
    """The message in `lang`; the key itself when missing (visible, never blank)."""
    pair = MESSAGES.get(key)
    if pair is None:
        return key
    return pair[1] if lang == "en" else pair[0]


def field_label(name: str, lang: str) -> str:
    """A form field as people call it (`field.<name>` in the wording); the name itself when there is none."""
    return translate(f"field.{name}", lang) if f"field.{name}" in MESSAGES else name


def pick_language(query: str | None, cookie: str | None, user_lang: str | None, default: str,
                  accept: str | None = None) -> str:
    """The page's language: the switch (`?lang=`, then its cookie), the account's choice, then the browser's
    Accept-Language when given (pages opened without an account: the acknowledgement link), then the default."""
    for candidate in (query, cookie, user_lang, browser_language(accept), default):
        if candidate in LANGS:
            return candidate
    return "zh-CN"


def browser_language(header: str | None) -> str | None:
    """What an Accept-Language header prefers among LANGS ("en-US,en;q=0.9" -> en; "zh-CN,zh;q=0.9,en;q=0.8"
    -> zh-CN), by its q-values; None when it names neither."""
    best, best_q = None, 0.0
    for i, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip().lower()
        try:
            q = float(params.strip().removeprefix("q=")) if params.strip().startswith("q=") else 1.0
        except ValueError:
            q = 0.0
        lang = "en" if tag == "en" or tag.startswith("en-") else "zh-CN" if tag == "zh" or tag.startswith("zh-") else None
        if lang and q > best_q:  # the first of equal weight wins (the order the browser sent)
            best, best_q = lang, q
    return best
