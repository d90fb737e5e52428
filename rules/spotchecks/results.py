"""Phone-check results: what a correction keeps, which planned check an ad-hoc result fulfils; pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

# The fields a correction may change; anything it does not name is the corrected entry's.
CORRECTABLE = ("started_at", "outcome", "rings", "answered_by", "answered_person_id")
# Changing one of these explicitly asks the roster again (who answered, or when the call was).
JUDGED_ON = frozenset({"started_at", "answered_by", "answered_person_id"})


@dataclass(frozen=True)
class Correction:
    values: dict[str, Any]  # the new entry's fields (CORRECTABLE + roster_match)
    changed: frozenset[str]  # the fields the correction changed
    rejudge: bool  # ask the roster again (the answerer or the time changed and no judgement was given)


def correct(old: Mapping[str, Any], named: Mapping[str, Any]) -> Correction:
    """A correction changes only what it names: the check's time and its roster judgement stay unless changed.

    `named` holds only the fields the correction gives (None is a value: "nobody answered", "unknown");
    `roster_match` in `named` is an explicit judgement and is kept as given.
    """
    values = {k: old.get(k) for k in (*CORRECTABLE, "roster_match")}
    changed = {k for k in CORRECTABLE if k in named and named[k] != old.get(k)}
    values.update({k: named[k] for k in changed})
    explicit = "roster_match" in named
    if explicit:
        if named["roster_match"] != old.get("roster_match"):
            changed.add("roster_match")
        values["roster_match"] = named["roster_match"]
    return Correction(values, frozenset(changed), rejudge=not explicit and bool(changed & JUDGED_ON))


@dataclass(frozen=True)
class OpenCheck:
    """A planned check not yet done, as the ad-hoc rule sees it."""

    id: str
    at: datetime  # planned time, aware
    manual: bool  # the duty officer phones it (an automated one is the IVR's)


def fulfils(open_checks: Sequence[OpenCheck], now: datetime) -> str | None:
    """The planned check an ad-hoc manual result (no planned check named) fulfils, or None.

    Only a manual check already due when the result is recorded (one on the call-now list): an ad-hoc call never
    consumes a check planned for a later time, nor an automated one (the IVR places it; the call-now list names
    it explicitly when it falls to the duty officer).
    """
    due = [c for c in open_checks if c.manual and c.at <= now]
    return min(due, key=lambda c: c.at).id if due else None
