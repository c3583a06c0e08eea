"""The deadline clocks' audit trail: one item per clock, generation, event and tier, written
once, with the notice it may owe (docs/storage.md, "clock event")."""

from datetime import datetime
from typing import Any

from socialcare.adapters.conversation_reads import ConversationReads, Row
from socialcare.adapters.dynamo_codec import conversation_pk
from socialcare.adapters.dynamo_table import ConversationTable, activity_keys
from socialcare.clock import Clock, utc_now
from socialcare.deadlines.plan import ClockPlan
from socialcare.models.conversation import Conversation
from socialcare.models.message import iso
from socialcare.ports import Recorded

RESPONSE_CLOCKS = ("first_response", "next_response")


class DynamoClockStore:
    def __init__(
        self, table: str | ConversationTable, client: Any = None, clock: Clock = utc_now
    ) -> None:
        self._table = ConversationTable.of(table, client, clock)
        self._reads = ConversationReads(self._table)

    def conversation(self, conversation_id: str) -> Conversation | None:
        return self._reads.conversation(conversation_id)

    def record_clock_event(
        self, plan: ClockPlan, event: str, tier: int, at: datetime, notify: bool
    ) -> Recorded:
        """One audit item per clock, generation, event and tier, written once: the time, the
        policy and its version; ``notified`` tracks the notice it may owe."""
        return self._table.record_once(plan_event(plan, event, tier, at), notify)

    def mark_notified(self, plan: ClockPlan, event: str, tier: int) -> None:
        self._table.mark_sent(
            conversation_pk(plan.conversation_id),
            clock_event_sk(plan.clock.value, plan.generation, event, tier),
        )


def clock_event_sk(clock: str, generation: int, event: str, tier: int) -> str:
    return f"CLOCK#{clock}#{generation}#{event}#{tier}"


def plan_event(plan: ClockPlan, event: str, tier: int, at: datetime) -> dict[str, Any]:
    """The audit item of ``event`` on the clock ``plan`` runs."""
    return clock_event_item(
        plan.conversation_id,
        plan.clock.value,
        brand_id=plan.brand_id,
        generation=plan.generation,
        event=event,
        tier=tier,
        at=iso(at),
        summary=plan.summary(),
    )


def clock_event_item(
    conversation_id: str,
    clock: str,
    *,
    brand_id: str,
    generation: int,
    event: str,
    tier: int,
    at: str,
    summary: dict[str, Any],
) -> dict[str, Any]:
    """An audit-trail item: what happened to which clock, when, under which policy."""
    sk = clock_event_sk(clock, generation, event, tier)
    return {
        **activity_keys(brand_id, at, conversation_id, sk),
        "pk": conversation_pk(conversation_id),
        "sk": sk,
        "type": "clock_event",
        "clock": clock,
        "generation": generation,
        "event": event,
        "tier": tier,
        "at": at,
        "due_at": summary.get("due_at"),
        "policy": summary.get("policy"),
        "policy_version": summary.get("policy_version"),
    }


def record_clocks_met(
    table: ConversationTable, conversation_id: str, meta: Row, at: str, kinds: tuple[str, ...]
) -> None:
    """An answer or a resolution: the audit trail says when each running clock of ``kinds``
    was met (its step later finds the same event written and adds nothing)."""
    for kind in kinds:
        record_current(table, conversation_id, meta, kind, event="met", at=at)


def record_current(
    table: ConversationTable, conversation_id: str, meta: Row, kind: str, *, event: str, at: str
) -> None:
    """``event`` on the conversation's current ``kind`` clock, once (none running: nothing),
    written by the desk or the outbox rather than by the clock's own execution."""
    clock = meta.get(f"clock_{kind}")
    if not clock:
        return
    item = clock_event_item(
        conversation_id,
        kind,
        brand_id=str(meta.get("brand_id", "")),
        generation=int(clock["generation"]),
        event=event,
        tier=0,
        at=at,
        summary=clock,
    )
    table.record_once(item, notify=False)
