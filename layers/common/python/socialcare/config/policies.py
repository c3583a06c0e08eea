"""Reply-time policies in ``policies.yaml`` beside ``brand.yaml``: the targets of each clock
(first response, next response, resolution), chosen by platform, channel type and priority,
counted in business or calendar time, with the escalation ladder past the due time.

The first policy (in file order) whose ``when`` matches a conversation applies; ``default``
applies to the rest. The file's content hash is the policy version every clock event keeps,
so a report can show which targets a number was measured against.
"""

import hashlib
import re
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from socialcare.config.files import read_model
from socialcare.deadlines.calendar import BusinessCalendar
from socialcare.models.common import ChannelType, Platform

POLICIES_FILE = "policies.yaml"
_PART = re.compile(r"(\d+)\s*([dhms])")
_UNITS = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}
Level = Literal["P1", "P2", "P3", "P4"]


def _duration(value: object) -> timedelta:
    """ "1h30m", "2d", "45m" -> timedelta; a bare number is minutes."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return timedelta(minutes=value)
    text = str(value).strip().lower().replace(" ", "")
    parts = _PART.findall(text)
    if not text or "".join(n + u for n, u in parts) != text:
        raise ValueError(f"{value!r} is not a duration like 30m, 1h, 1h30m or 2d")
    return sum((timedelta(**{_UNITS[u]: int(n)}) for n, u in parts), timedelta())


Duration = Annotated[timedelta, BeforeValidator(_duration)]


class Targets(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    first_response: Duration
    next_response: Duration
    resolution: Duration
    business_time: bool = Field(
        default=True, description="count only the calendar's open hours (false: every hour)"
    )
    warn_at: float = Field(default=0.75, gt=0.0, lt=1.0, description="share of the target")
    escalate_after: tuple[Duration, ...] = Field(
        default=(timedelta(0),),
        min_length=1,
        description="tier n is told this long after the due time; tier 1 usually at 0",
    )

    @model_validator(mode="after")
    def _sensible(self) -> "Targets":
        for name in ("first_response", "next_response", "resolution"):
            if getattr(self, name) <= timedelta(0):
                raise ValueError(f"{name} must be longer than zero")
        ladder = list(self.escalate_after)
        if ladder != sorted(ladder) or len(set(ladder)) != len(ladder):
            raise ValueError("escalate_after must grow tier by tier (e.g. [0m, 30m, 2h])")
        return self


class When(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    platform: tuple[Platform, ...] = ()
    channel_type: tuple[ChannelType, ...] = ()
    priority: tuple[Level, ...] = ()

    def matches(self, platform: Platform, channel_type: ChannelType, priority: str) -> bool:
        return (
            (not self.platform or platform in self.platform)
            and (not self.channel_type or channel_type in self.channel_type)
            and (not self.priority or priority in self.priority)
        )


class Policy(Targets):
    name: str = Field(min_length=1)
    when: When


class Spikes(BaseModel):
    """A crisis: negative messages on one topic in an hour reach ``multiple`` times that
    topic's usual hourly rate (over ``history_hours``), and at least ``min_messages``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_messages: int = Field(default=5, ge=1)
    multiple: float = Field(default=3.0, gt=1.0)
    history_hours: int = Field(default=24, ge=1, le=72)


class BrandPolicies(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    calendar: BusinessCalendar | None = None
    spikes: Spikes = Field(default_factory=Spikes)
    policies: tuple[Policy, ...] = ()
    default: Targets | None = None
    version: str = Field(default="", exclude=True)  # the file's hash, set by the loader

    @model_validator(mode="after")
    def _business_time_needs_a_calendar(self) -> "BrandPolicies":
        every = [*self.policies, *([self.default] if self.default else [])]
        if self.calendar is None and any(p.business_time for p in every):
            raise ValueError(
                "a policy counts business time (business_time: true, the default) but the file"
                " has no calendar: add one, or set business_time: false"
            )
        if self.policies and self.default is None:
            raise ValueError("policies need a default for the conversations none of them match")
        return self

    def select(
        self, platform: Platform, channel_type: ChannelType, priority: str
    ) -> tuple[str, Targets] | None:
        """The policy's name and targets for a conversation, or None without policies."""
        for policy in self.policies:
            if policy.when.matches(platform, channel_type, priority):
                return policy.name, policy
        return ("default", self.default) if self.default is not None else None

    def named(self, name: str) -> Targets | None:
        """A policy by its name ("default" for the default), as a running clock records it."""
        if name == "default":
            return self.default
        return next((p for p in self.policies if p.name == name), None)

    def calendar_for(self, targets: Targets) -> BusinessCalendar | None:
        return self.calendar if targets.business_time else None


def load_policies(brand_dir: Path) -> BrandPolicies:
    path = brand_dir / POLICIES_FILE
    policies = read_model(path, BrandPolicies, "policies")
    if not path.exists():
        return policies
    version = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    return policies.model_copy(update={"version": version})
