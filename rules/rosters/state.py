"""Fairness state carried from one roster run to the next, per (unit, post).

Store `PostState.to_dict()` as JSON next to the unit's roster and pass
`PostState.from_dict(...)` back in: generating January then February with the
carried state gives exactly what generating January-February at once gives.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field


@dataclass(slots=True)
class ClassState:
    """Round-robin pointer, counts and debts (欠班) for one day-class of one post."""

    pos: int = 0  # pool index of the next turn when `last` left the pool
    last: str | None = None  # last person served by the pointer
    counts: dict[str, int] = field(default_factory=dict)
    debts: dict[str, int] = field(default_factory=dict)

    def copy(self) -> ClassState:
        return ClassState(self.pos, self.last, dict(self.counts), dict(self.debts))


@dataclass(slots=True)
class FestivalState:
    """Who worked which occurrence of one statutory holiday (e.g. Spring Festival)."""

    current: str | None = None  # id (first day, ISO) of the latest occurrence seen
    previous: str | None = None  # id of the occurrence before it
    last_worked: dict[str, str] = field(default_factory=dict)  # person -> occurrence id
    occurrences: dict[str, int] = field(default_factory=dict)  # person -> occurrences worked

    def copy(self) -> FestivalState:
        return FestivalState(self.current, self.previous, dict(self.last_worked), dict(self.occurrences))


@dataclass(slots=True)
class PostState:
    """Everything `generate` needs to continue one post's rotation."""

    classes: dict[str, ClassState] = field(default_factory=dict)  # DayClass value -> state
    festivals: dict[str, FestivalState] = field(default_factory=dict)  # holiday name -> state
    last_slot: dict[str, int] = field(default_factory=dict)  # person -> slot_number of last shift

    def copy(self) -> PostState:
        return PostState(
            {k: v.copy() for k, v in self.classes.items()},
            {k: v.copy() for k, v in self.festivals.items()},
            dict(self.last_slot),
        )

    def cls(self, name: str) -> ClassState:
        """The state of day-class `name`, created empty on first use."""
        st = self.classes.get(name)
        if st is None:
            st = self.classes[name] = ClassState()
        return st

    def festival(self, name: str) -> FestivalState:
        """The state of statutory holiday `name`, created empty on first use."""
        st = self.festivals.get(name)
        if st is None:
            st = self.festivals[name] = FestivalState()
        return st

    def snapshot_json(self, last_slot: dict[str, int] | None = None) -> str:
        """`to_dict()` as compact JSON text now (`last_slot` entries merged in): a snapshot later changes do not
        touch, in one pass of the C encoder instead of copying every dict (a province takes ~70,000)."""
        data = self.to_dict()
        if last_slot:
            data["last_slot"] = {**self.last_slot, **last_slot}
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    def to_dict(self) -> dict:
        """A JSON-ready dict."""
        return {
            "classes": {
                k: {"pos": v.pos, "last": v.last, "counts": v.counts, "debts": v.debts}
                for k, v in self.classes.items()
            },
            "festivals": {
                k: {
                    "current": v.current,
                    "previous": v.previous,
                    "last_worked": v.last_worked,
                    "occurrences": v.occurrences,
                }
                for k, v in self.festivals.items()
            },
            "last_slot": self.last_slot,
        }

    @classmethod
    def from_dict(cls, data: dict) -> PostState:
        """Inverse of `to_dict`."""
        return cls(
            {
                k: ClassState(v["pos"], v["last"], dict(v["counts"]), dict(v["debts"]))
                for k, v in data.get("classes", {}).items()
            },
            {
                k: FestivalState(v["current"], v["previous"], dict(v["last_worked"]), dict(v["occurrences"]))
                for k, v in data.get("festivals", {}).items()
            },
            {k: int(v) for k, v in data.get("last_slot", {}).items()},
        )
