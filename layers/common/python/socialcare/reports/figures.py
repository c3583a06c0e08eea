"""The figures a support lead is judged on, for one period, from the conversations that
began in it (spam counted apart, never in the rates), compared with the previous period.

Definitions (the README's report section says the same):
- response rate: answered conversations / conversations; "answered" = a first response exists
  by the report's cutoff (when the report is made; the period's end at the earliest, a week
  after it at the latest), so a daily report at 08:00 counts the night's answers to
  yesterday's conversations, and a report asked for months later is the one a week after;
- first-response time: the first answer minus the conversation's first message, in calendar
  time and in business time (the brand's calendar); next-response time: from each customer
  message that follows an answer to the next answer; resolution time: resolved minus start;
- median, 90th percentile (nearest rank: the ceil(0.9 n)-th smallest) and mean;
- a clock is met when its audit trail says ``met`` and never ``breached``;
- the open backlog: conversations of the period with no answer by the cutoff (not spam).
"""

import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from socialcare.deadlines.arithmetic import elapsed
from socialcare.deadlines.calendar import BusinessCalendar
from socialcare.reports.facts import ConversationFacts
from socialcare.reports.period import Period

CLOCK_KINDS = ("first_response", "next_response", "resolution")
SENTIMENTS = ("negative", "neutral", "positive")
HOUR, DAY = timedelta(hours=1), timedelta(days=1)
SLOWEST = 5
# What happened up to a week after a period counts in its report, nothing later: a report
# asked for long after is the same report, and reads the days of its period and a week.
HORIZON = timedelta(days=7)


def report_cutoff(period: Period, as_of: datetime | None) -> datetime:
    return min(max(as_of or period.end, period.end), period.end + HORIZON)


@dataclass(frozen=True)
class Durations:
    """Seconds; None when there is nothing to measure."""

    count: int = 0
    median: float | None = None
    p90: float | None = None
    mean: float | None = None

    @classmethod
    def of(cls, spans: Iterable[timedelta]) -> "Durations":
        seconds = sorted(s.total_seconds() for s in spans)
        if not seconds:
            return cls()
        rank = math.ceil(0.9 * len(seconds))
        return cls(
            count=len(seconds),
            median=statistics.median(seconds),
            p90=seconds[rank - 1],
            mean=statistics.fmean(seconds),
        )


@dataclass(frozen=True)
class Timing:
    calendar: Durations
    business: Durations


@dataclass(frozen=True)
class ClockTally:
    started: int = 0
    met: int = 0
    breached: int = 0

    @property
    def met_share(self) -> float | None:  # read by the report templates
        decided = self.met + self.breached
        return self.met / decided if decided else None


@dataclass(frozen=True)
class AgentLine:
    agent: str
    answered: int  # conversations whose first answer was theirs
    replies: int
    first_response: Durations


@dataclass(frozen=True)
class TopicLine:
    topic: str
    count: int
    previous: int

    @property
    def change(self) -> int:
        return self.count - self.previous


@dataclass(frozen=True)
class Headline:
    """The numbers compared period on period."""

    conversations: int
    answered: int
    response_rate: float | None
    within_hour: float | None
    within_day: float | None
    first_response_median: float | None
    deadlines_met: float | None


@dataclass(frozen=True)
class Figures:
    period: Period
    headline: Headline
    previous: Headline
    spam: int
    by_platform: dict[str, int]
    by_channel: dict[str, int]
    by_hour: list[int]  # local hour of the first message, 0..23
    new_customers: int
    returning_customers: int
    first_response: Timing
    next_response: Timing
    resolution: Timing
    clocks: dict[str, ClockTally]
    warnings: int
    breaches: int
    escalations_by_tier: dict[int, int]
    topics: list[TopicLine]
    sentiment: dict[str, float]
    spikes: list[str]
    suggested_share: float | None  # customer messages the answer base had an answer for
    used_suggestion_share: float | None  # replies sent from the answer base's text
    agents: list[AgentLine]
    slowest: list[ConversationFacts]
    backlog: list[ConversationFacts]
    conversations: list[ConversationFacts] = field(repr=False)
    cutoff: datetime | None = None  # what had happened by then counts
    # Customer messages written in an encrypted X chat: the desk could not read them (X
    # keeps the keys), so agents had to open X. What the brand misses by not reading here.
    encrypted_chats: int = 0

    def answered(self, facts: ConversationFacts) -> bool:
        return answered_by(facts, self.cutoff or self.period.end)

    @property
    def empty(self) -> bool:
        return self.headline.conversations == 0 and self.spam == 0


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def answered_by(facts: ConversationFacts, end: datetime) -> bool:
    return facts.first_response_at is not None and facts.first_response_at < end


def _first_span(facts: ConversationFacts) -> tuple[datetime, datetime]:
    assert facts.first_response_at is not None  # callers keep answered conversations only
    return facts.created_at, facts.first_response_at


def first_wait(facts: ConversationFacts) -> timedelta:
    start, answer = _first_span(facts)
    return answer - start


def headline(facts: list[ConversationFacts], cutoff: datetime) -> Headline:
    real = [f for f in facts if not f.spam]
    answered = [f for f in real if answered_by(f, cutoff)]
    waits = [first_wait(f) for f in answered]
    tally = _clock_tally(real, cutoff)
    met = sum(t.met for t in tally.values())
    decided = met + sum(t.breached for t in tally.values())
    return Headline(
        conversations=len(real),
        answered=len(answered),
        response_rate=share(len(answered), len(real)),
        within_hour=share(sum(w <= HOUR for w in waits), len(real)),
        within_day=share(sum(w <= DAY for w in waits), len(real)),
        first_response_median=Durations.of(waits).median,
        deadlines_met=share(met, decided),
    )


def compute(
    facts: list[ConversationFacts],
    previous: list[ConversationFacts],
    period: Period,
    calendar: BusinessCalendar | None,
    spikes: Iterable[str] = (),
    *,
    as_of: datetime | None = None,
) -> Figures:
    """``as_of``: what had happened by when counts (answers to the period's conversations
    after it ended included, up to ``HORIZON``); default: the end of the period."""
    cutoff = report_cutoff(period, as_of)
    real = [f for f in facts if not f.spam]
    answered = [f for f in real if answered_by(f, cutoff)]
    # Clock events of the period's conversations up to the cutoff: one rule for the tally
    # and the counts (a conversation of 23:30 breached at 00:30 counts in its own day's).
    events = [c for f in real for c in f.clocks if c.at < cutoff]
    topics_now = Counter(f.topic or "other" for f in real)
    topics_before = Counter(f.topic or "other" for f in previous if not f.spam)
    moods = Counter(f.sentiment for f in real if f.sentiment)
    said = [m for f in real for m in f.messages if m.at < cutoff]
    inbound = [m for m in said if m.inbound]
    outbound = [m for m in said if not m.inbound]
    return Figures(
        period=period,
        headline=headline(facts, cutoff),
        # The period before, seen with the same lag after its end as this one.
        previous=headline(previous, period.start + (cutoff - period.end)),
        cutoff=cutoff,
        spam=len(facts) - len(real),
        by_platform=dict(Counter(f.platform for f in real)),
        by_channel=dict(Counter(f.channel_type for f in real)),
        by_hour=_by_hour(real, period),
        new_customers=sum(not f.returning for f in real),
        returning_customers=sum(f.returning for f in real),
        first_response=_timing([_first_span(f) for f in answered], calendar),
        next_response=_timing([w for f in real for w in _next_waits(f, cutoff)], calendar),
        resolution=_timing(
            [
                (f.created_at, f.resolved_at)
                for f in real
                if f.resolved_at and f.resolved_at < cutoff
            ],
            calendar,
        ),
        clocks=_clock_tally(real, cutoff),
        warnings=sum(e.event == "warned" for e in events),
        breaches=sum(e.event == "breached" for e in events),
        escalations_by_tier=dict(
            sorted(Counter(e.tier for e in events if e.event == "escalated").items())
        ),
        topics=[
            TopicLine(topic, count, topics_before.get(topic, 0))
            for topic, count in sorted(topics_now.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
        sentiment={s: moods[s] / sum(moods.values()) for s in SENTIMENTS} if moods else {},
        spikes=sorted(spikes),
        suggested_share=share(sum(m.suggested for m in inbound), len(inbound)),
        used_suggestion_share=share(sum(m.from_suggestion for m in outbound), len(outbound)),
        agents=_agents(real, cutoff),
        slowest=sorted(answered, key=first_wait, reverse=True)[:SLOWEST],
        backlog=sorted(
            (
                f
                for f in real
                if not answered_by(f, cutoff) and not (f.resolved_at and f.resolved_at < cutoff)
            ),
            key=lambda f: f.created_at,
        ),
        conversations=sorted(facts, key=lambda f: f.created_at),
        encrypted_chats=sum(m.encrypted for m in inbound),
    )


def _by_hour(facts: list[ConversationFacts], period: Period) -> list[int]:
    hours = [0] * 24
    for f in facts:
        hours[f.created_at.astimezone(period.zone).hour] += 1
    return hours


def _timing(spans: list[tuple[datetime, datetime]], calendar: BusinessCalendar | None) -> Timing:
    return Timing(
        calendar=Durations.of(end - start for start, end in spans),
        business=Durations.of(elapsed(start, end, calendar) for start, end in spans)
        if calendar
        else Durations.of(end - start for start, end in spans),
    )


def _next_waits(facts: ConversationFacts, end: datetime) -> list[tuple[datetime, datetime]]:
    """Each customer message after an answer, to the next answer (within the period)."""
    waits, answered_once, waiting_since = [], False, None
    for message in facts.messages:
        if message.at >= end:
            break
        if message.inbound:
            if answered_once and waiting_since is None:
                waiting_since = message.at
        else:
            if waiting_since is not None:
                waits.append((waiting_since, message.at))
                waiting_since = None
            answered_once = True
    return waits


def _clock_tally(facts: list[ConversationFacts], cutoff: datetime) -> dict[str, ClockTally]:
    runs: dict[tuple[str, str, int], set[str]] = defaultdict(set)
    for f in facts:
        for c in f.clocks:
            if c.at < cutoff:
                runs[(f.id, c.clock, c.generation)].add(c.event)
    tally: dict[str, ClockTally] = {}
    for kind in CLOCK_KINDS:
        mine = [events for (_, clock, _), events in runs.items() if clock == kind]
        tally[kind] = ClockTally(
            started=sum(bool({"started", "resumed"} & e) for e in mine),
            met=sum("met" in e and "breached" not in e for e in mine),
            breached=sum("breached" in e for e in mine),
        )
    return tally


def _agents(facts: list[ConversationFacts], cutoff: datetime) -> list[AgentLine]:
    firsts: dict[str, list[timedelta]] = defaultdict(list)
    replies: Counter[str] = Counter()
    for f in facts:
        if answered_by(f, cutoff) and f.first_responder:
            firsts[f.first_responder].append(first_wait(f))
        for m in f.messages:
            if not m.inbound and m.agent and m.at < cutoff:
                replies[m.agent] += 1
    agents = set(firsts) | set(replies)
    return sorted(
        (
            AgentLine(a, len(firsts.get(a, [])), replies[a], Durations.of(firsts.get(a, [])))
            for a in agents
        ),
        key=lambda line: (-line.answered, line.agent),
    )
