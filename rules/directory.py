"""Personal contact methods (联系方式) and notification rules (通知规则), GoAlert-style; pure, `now` passed in.

A person has contact methods (a mobile for SMS and voice calls, WeCom / DingTalk / Feishu ids, an email address,
an office phone), each proved by a 6-digit code sent to it; and rules "method X over medium M after N minutes".
An escalation step that names no channel ladder notifies each person by their rules over verified methods only.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class ContactKind(StrEnum):
    mobile = "mobile"  # 手机: SMS and voice calls
    office_phone = "office_phone"  # 办公电话: voice calls
    wecom = "wecom"  # 企业微信 userid
    dingtalk = "dingtalk"  # 钉钉 userid
    feishu = "feishu"  # 飞书 open_id / user_id
    email = "email"  # 邮箱


class Medium(StrEnum):
    """How a rule reaches a method: the kind of channel (its configured name is a setting)."""

    sms = "sms"
    voice = "voice"
    wecom = "wecom"
    dingtalk = "dingtalk"
    feishu = "feishu"
    email = "email"


MEDIA: dict[ContactKind, tuple[Medium, ...]] = {  # the first one also carries the verification code
    ContactKind.mobile: (Medium.sms, Medium.voice),
    ContactKind.office_phone: (Medium.voice,),
    ContactKind.wecom: (Medium.wecom,),
    ContactKind.dingtalk: (Medium.dingtalk,),
    ContactKind.feishu: (Medium.feishu,),
    ContactKind.email: (Medium.email,),
}

CODE_DIGITS = 6
DUTY_CODE_DIGITS = (4, 6)  # a personal duty code (值班识别码): 4 to 6 digits keyed on the phone


def duty_code_form(value) -> str:
    """The duty code as stored for hashing (digits only, spaces dropped); ValueError with the zh-CN reason."""
    code = "".join(str(value or "").split())
    lo, hi = DUTY_CODE_DIGITS
    if not (code.isascii() and code.isdigit() and lo <= len(code) <= hi):
        raise ValueError(f"值班识别码须为{lo}至{hi}位数字 (a duty code is {lo} to {hi} digits)")
    if len(set(code)) == 1:
        raise ValueError("值班识别码不能是同一数字重复（如 0000） (a duty code cannot repeat one digit)")
    return code
CODE_MINUTES = 10  # a code is good this long
CODE_ATTEMPTS = 5  # wrong entries before the code is spent
RESEND_SECONDS = 60  # between two codes to one method (an SMS bomb is not a feature)
MAX_DELAY_MINUTES = 120
MAX_RULES = 10

# The brief's mainland mobile (1[3-9] and nine digits), written with or without +86 / 0086, spaces and dashes.
_MOBILE = re.compile(r"1[3-9]\d{9}")
# A landline with its area code (010-12345678, 0851-2233445), an extension after '-' or '转'; or a 400/800 line.
# A regex, not libphonenumber: the office's own format rule is the one to hold, and the library would bring 9 MB of
# world metadata for two shapes.
_LANDLINE = re.compile(r"0\d{2,3}-?\d{7,8}(?:(?:-|转)\d{1,6})?|[48]00-?\d{3}-?\d{4}")
# An email's shape only (a typo check, not RFC 5322): the verification code is what proves the address, so no
# library or DNS look-up is needed to refuse "name@", "a b@x.cn" or "x@localhost".
_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}")
_CHAT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}")


# Phones (电话号码) as people type them, in one stored form (`phone_form`), and the tel: target of any (`dial`).
# Typed: full-width digits and dashes (１３９－００００－００００), spaces, "+86 139 0000 0000", "0851-8888 6666",
# "(0851)88886666", "0851-88886666转123". Stored:
# - a mainland mobile as its 11 digits: 13900000000 (+86 / 0086 / 86 dropped);
# - a landline as area code, dash, number: 0851-88886666, 010-12345678; an extension after another dash: -123;
# - a 400/800 line as 400-123-4567;
# - anything else made of digits as typed, in ASCII without spaces (a short number 12345, a foreign +44 ...).
# Regexes, not libphonenumber, for the reason given at _LANDLINE above.
PHONE_REASON = "电话号码格式不正确（只能包含数字、+、- 和空格）"
_DASHES = re.compile(r"[\u2010-\u2015\u2212\ufe58\ufe63\uff0d\u30fc\u2500]")  # ‐ – — − ﹣ － ー ─ as '-'
_PHONE_EXTENSION = re.compile(r"\s*(?:转|分机|ext\.?|x)\s*(\d{1,6})$", re.I)
_AREA_CODE = re.compile(r"0(?:10|2\d|[3-9]\d{2})")  # 010, 02x: three digits; the rest: four
_SERVICE_LINE = re.compile(r"([48]00)(\d{3})(\d{4})")


def _ascii(value: str) -> str:
    text = unicodedata.normalize("NFKC", str(value or "")).strip()
    return _DASHES.sub("-", text)


def phone_form(value) -> str:
    """The stored form of a phone as typed ("" for blank); ValueError with the zh-CN reason for no phone."""
    text = _ascii(value)
    if not text:
        return ""
    ext = ""
    if m := _PHONE_EXTENSION.search(text):
        text, ext = text[:m.start()], m.group(1)
    text = re.sub(r"[()]", "-", text)
    text = re.sub(r"[\s.]", "", text)
    if not re.fullmatch(r"\+?[\d-]+", text) or not re.search(r"\d", text):
        raise ValueError(PHONE_REASON)
    plus = text.startswith("+")
    groups = [g for g in text.lstrip("+").split("-") if g]
    digits = "".join(groups)
    if plus or digits.startswith("0086"):
        if not digits.startswith(("86", "0086")):
            return "+" + "-".join(groups)  # not a mainland number: as typed
        digits = digits.removeprefix("00").removeprefix("86")
        if not _MOBILE.fullmatch(digits) and not digits.startswith("0"):
            digits = "0" + digits  # +86 851 ...: the area code without its trunk 0
    elif digits.startswith("86") and _MOBILE.fullmatch(digits[2:]):
        digits = digits[2:]
    if _MOBILE.fullmatch(digits):
        return digits + (f"-{ext}" if ext else "")
    if m := _SERVICE_LINE.fullmatch(digits):
        return "-".join(m.groups())
    if (area := _AREA_CODE.match(digits)) is not None:
        rest = digits[area.end():]
        if not ext and len(rest) > 8 and len(groups) > 1 and 7 <= len(rest) - len(groups[-1]) <= 8:
            rest, ext = rest[:-len(groups[-1])], groups[-1]  # 0851-8888666-12: the last group an extension
        if 7 <= len(rest) <= 8:
            return f"{area.group()}-{rest}" + (f"-{ext}" if ext else "")
    return "-".join(groups) + (f"-{ext}" if ext else "")  # a shape of its own: kept, tidied


def dial(value) -> str:
    """The tel: target of a phone as typed or stored: ASCII digits (a leading +), ',' before an extension."""
    try:
        text = phone_form(value)
    except ValueError:
        text = re.sub(r"[^\d+]", "", _ascii(value))
        return text
    groups = text.split("-")
    if len(groups) == 3 and groups[0].startswith("0") and _AREA_CODE.fullmatch(groups[0]):
        return f"{groups[0]}{groups[1]},{groups[2]}"
    if len(groups) == 2 and _MOBILE.fullmatch(groups[0]):
        return f"{groups[0]},{groups[1]}"
    return text.replace("-", "")


def same_phone(a, b) -> bool:
    """Two phones as typed are one number (139-0000-0000 is 13900000000); blanks are never the same."""
    return bool(dial(a)) and dial(a) == dial(b)


def normalized(kind: ContactKind, value: str) -> str:
    """The value as stored (digits of a mobile, an email's normalized form); ValueError with the zh-CN reason."""
    raw = (value or "").strip()
    if not raw:
        raise ValueError("请填写联系方式")
    if kind is ContactKind.mobile:
        digits = _typed_phone(raw)
        if not _MOBILE.fullmatch(digits):
            raise ValueError("手机号须为11位中国大陆手机号（1开头，第二位3–9）")
        return digits
    if kind is ContactKind.office_phone:
        phone = _typed_phone(raw)
        if not _LANDLINE.fullmatch(phone):
            raise ValueError("办公电话须带区号，如 0851-22334455（分机写在“-”或“转”之后）")
        return phone
    if kind is ContactKind.email:
        if len(raw) > 120 or not _EMAIL.fullmatch(raw) or ".." in raw:
            raise ValueError("邮箱地址格式不正确")
        name, _, domain = raw.partition("@")
        return f"{name}@{domain.lower()}"
    if not _CHAT_ID.fullmatch(raw):
        raise ValueError("账号ID只能包含字母、数字和 _ . @ -，最长64位")
    return raw


def _typed_phone(raw: str) -> str:
    """The phone's one stored form (phone_form); "" when it is none, for the kind's own reason."""
    try:
        return phone_form(raw)
    except ValueError:
        return ""


def masked(kind: ContactKind, value: str) -> str:
    """The value with its middle hidden, for messages and lists seen by others (138****1234)."""
    if kind is ContactKind.mobile and len(value) == 11:
        return f"{value[:3]}****{value[-4:]}"
    if kind is ContactKind.email and "@" in value:
        name, _, domain = value.partition("@")
        return f"{name[:1]}***@{domain}"
    return value


@dataclass(frozen=True)
class CodeState:
    """What the row says about a method's pending code."""

    sent_at: datetime | None
    expires_at: datetime | None
    attempts: int = 0
    spent: bool = False  # used (verified), or cancelled


class CodeCheck(StrEnum):
    ok = "ok"
    wrong = "wrong"
    expired = "expired"
    exhausted = "exhausted"  # too many wrong entries
    none = "none"  # no code was sent


def may_send(state: CodeState, now: datetime) -> timedelta | None:
    """None when a new code may go out now, else how long to wait."""
    if state.sent_at is None:
        return None
    wait = state.sent_at + timedelta(seconds=RESEND_SECONDS) - now
    return wait if wait > timedelta(0) else None


def check_code(state: CodeState, matches: bool, now: datetime) -> CodeCheck:
    """Whether an entered code counts (`matches`: it equals the one sent); every wrong entry is one attempt."""
    if state.sent_at is None or state.expires_at is None or state.spent:
        return CodeCheck.none
    if state.attempts >= CODE_ATTEMPTS:
        return CodeCheck.exhausted
    if now >= state.expires_at:
        return CodeCheck.expired
    return CodeCheck.ok if matches else CodeCheck.wrong


@dataclass(frozen=True)
class Method:
    id: str
    kind: ContactKind
    value: str
    verified: bool
    label: str = ""


@dataclass(frozen=True)
class Rule:
    method_id: str
    medium: Medium
    delay_minutes: int


@dataclass(frozen=True)
class Planned:
    """One message of a person's plan: over `medium` to `method`, `delay_minutes` after the step fired."""

    method: Method
    medium: Medium
    delay_minutes: int

    def due(self, fired_at: datetime) -> datetime:
        return fired_at + timedelta(minutes=self.delay_minutes)


def check_rule(kind: ContactKind, medium: Medium, delay_minutes: int) -> None:
    """ValueError (zh-CN) when a rule cannot be followed: a medium the method cannot carry, a delay out of range."""
    if medium not in MEDIA[kind]:
        raise ValueError(f"此联系方式不能用于{MEDIUM_ZH[medium]}")
    if not 0 <= delay_minutes <= MAX_DELAY_MINUTES:
        raise ValueError(f"延迟须在0到{MAX_DELAY_MINUTES}分钟之间")


def plan(methods: Iterable[Method], rules: Iterable[Rule]) -> list[Planned]:
    """The messages a person's rules ask for, soonest first; rules over unverified (or deleted) methods are left
    out, so an empty plan means "no rule we can rely on"."""
    by_id = {m.id: m for m in methods if m.verified}
    out = {(r.method_id, r.medium, r.delay_minutes): Planned(by_id[r.method_id], r.medium, r.delay_minutes)
           for r in rules if r.method_id in by_id and r.medium in MEDIA[by_id[r.method_id].kind]}
    return sorted(out.values(), key=lambda p: (p.delay_minutes, p.medium.value, p.method.id))


MEDIUM_ZH = {Medium.sms: "短信", Medium.voice: "语音电话", Medium.wecom: "企业微信", Medium.dingtalk: "钉钉",
             Medium.feishu: "飞书", Medium.email: "邮件"}
