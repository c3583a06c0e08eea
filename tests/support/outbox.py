"""Replies in tests: a conversation on X ready for an answer, the answer queued, and what
the platforms' stand-ins were asked."""

from datetime import datetime
from typing import Any

from socialcare.models.common import Platform
from socialcare.models.message import MessageKind
from socialcare.models.reply import OutboundReply, ReplyRoute
from socialcare.services.x_webhook import XWebhookDeps
from socialcare_tools.local.standins import StandIns
from socialcare_tools.samples import tweet
from socialcare_tools.template_resources import Backbone
from tests.integration.desk_support import (
    to_the_desk,
)
from tests.support.inspect import of_kind
from tests.support.queues import queued_records


def calls(slack: StandIns, service: str, method: str) -> list[dict[str, Any]]:
    return [c for c in slack.recorder.calls(service) if c["method"] == method]


def an_x_conversation(
    backbone: Backbone, x_live: XWebhookDeps, queues: tuple[str, str], slack: StandIns, **kw: Any
) -> str:
    records = queued_records(
        backbone, x_live, tweet("1960000000000000100", "@AcmeSupport where is my order 4411?", **kw)
    )
    to_the_desk(backbone, queues[0], slack, records)
    return card_ts(backbone)


def an_answer_to(meta: dict[str, Any], agent: str, queued_at: datetime) -> OutboundReply:
    """An agent's public answer to the conversation ``meta``'s first tweet (id 100)."""
    return OutboundReply(
        reply_id="slack-event:Ev0042",
        conversation_id=meta["id"],
        brand_id="acme",
        platform=Platform.X,
        account_id=meta["account_id"],
        route=ReplyRoute.PUBLIC,
        text="On its way!",
        target_message_id="100",
        target_kind=MessageKind.MENTION,
        customer_id=meta["customer"]["id"],
        agent=agent,
        slack_channel="C0ACMESUPPORT",
        slack_thread_ts="1.2",
        queued_at=queued_at,
    )


def card_ts(backbone: Backbone) -> str:
    [meta] = of_kind(backbone.table, "META")
    return str(meta["slack_thread"]["ts"])
