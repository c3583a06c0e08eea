"""What is checked before an agent's reply is queued, so the agent hears at once (and only
the agent: ephemerally) why a reply cannot go, instead of a platform error minutes later."""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from socialcare.deadlines.arithmetic import TELEGRAM_BUSINESS_WINDOW, reply_window_closes
from socialcare.models.common import Platform
from socialcare.models.conversation import Conversation
from socialcare.models.message import MessageKind
from socialcare.models.reply import ReplyRoute, is_private_reply
from socialcare.models.stored import StoredMessage

# Platform limits in characters. An X post counts Latin, Cyrillic and other alphabets as 1,
# CJK, emoji and the rest as 2, any link as 23 (twitter-text's weighting); DMs and VK count
# plain characters.
X_POST_WEIGHT = 280
X_LINK_WEIGHT = 23
LIMITS = {
    (Platform.X, ReplyRoute.PRIVATE): 10_000,
    (Platform.VK, ReplyRoute.PRIVATE): 9_000,
    (Platform.VK, ReplyRoute.PUBLIC): 9_000,
    (Platform.MESSENGER, ReplyRoute.PRIVATE): 2_000,
    (Platform.FACEBOOK, ReplyRoute.PRIVATE): 2_000,  # a private reply is a Messenger message
    (Platform.FACEBOOK, ReplyRoute.PUBLIC): 8_000,  # a comment
    (Platform.INSTAGRAM, ReplyRoute.PRIVATE): 1_000,
    (
        Platform.INSTAGRAM,
        ReplyRoute.PUBLIC,
    ): 2_200,  # a comment (UNVERIFIED: docs/platforms-meta.md)
    (Platform.TELEGRAM, ReplyRoute.PRIVATE): 4_096,
    (Platform.TELEGRAM, ReplyRoute.PUBLIC): 4_096,  # a reply in a group
}
# twitter-text v3: these code point ranges weigh 1, everything else 2.
_LIGHT = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))
_LINK = re.compile(r"https?://\S+")
# VK's photo comments and board posts can only be answered with an admin's user token.
USER_TOKEN_ONLY = frozenset({MessageKind.PHOTO_COMMENT, MessageKind.BOARD_POST})
# Meta takes one private reply (a direct message answering a public comment) per comment,
# for 7 days after the comment was written.
PRIVATE_REPLY_WINDOW = timedelta(days=7)


@dataclass(frozen=True)
class Refusal:
    reason: str  # a short code, for logs and tests
    text: str  # what the agent reads (mrkdwn, our own words and links)


def x_weight(text: str) -> int:
    """A post's length as X counts it: each link 23, each character 1 or 2."""
    weight, start = 0, 0
    for found in _LINK.finditer(text):
        weight += _characters(text[start : found.start()]) + X_LINK_WEIGHT
        start = found.end()
    return weight + _characters(text[start:])


def _characters(text: str) -> int:
    return sum(1 if any(a <= ord(c) <= b for a, b in _LIGHT) else 2 for c in text)


@dataclass(frozen=True)
class Draft:
    text: str
    route: ReplyRoute
    platform: Platform
    conversation: Conversation
    target: StoredMessage | None  # the customer's message the reply answers
    now: datetime
    human_agent: bool = False  # Meta: the account may send HUMAN_AGENT-tagged messages

    @property
    def private_reply(self) -> bool:
        return is_private_reply(self.platform, self.route, _kind(self.target))


def _kind(target: StoredMessage | None) -> MessageKind | None:
    return target.kind if target else None


def check(
    text: str,
    route: ReplyRoute,
    conversation: Conversation,
    target: StoredMessage | None,
    now: datetime,
    *,
    human_agent: bool = False,
) -> Refusal | None:
    """The first guard that refuses the draft, or None: it may go."""
    draft = Draft(text, route, conversation.platform, conversation, target, now, human_agent)
    for guard in (
        _unreachable,
        _empty,
        _unchanged,
        _x_post,
        _length,
        _vk_user_token_only,
        _private_reply_window,
        _window,
        _telegram_business_window,
    ):
        refusal = guard(draft)
        if refusal is not None:
            return refusal
    return None


def _unreachable(draft: Draft) -> Refusal | None:
    why = draft.conversation.unreachable_now
    if why is None:
        return None
    name = draft.platform.label
    return Refusal(
        "unreachable",
        f"Not sent: {name} refused the last reply because {why}. Nothing can reach the customer"
        f" on {name} until they write again; reach them another way, or resolve.",
    )


def _link(target: StoredMessage | None) -> str:
    return (target.link or "") if target else ""


def _empty(draft: Draft) -> Refusal | None:
    if draft.text.strip():
        return None
    return Refusal("empty", "Nothing to send: the reply is empty.")


UNCHANGED = Refusal(
    "unchanged",
    "This is word for word the last reply the customer got (or is about to get);"
    " platforms refuse repeats. Change it before sending.",
)


def _unchanged(draft: Draft) -> Refusal | None:
    """Early, for the modal; queueing checks it again in the same write (no race)."""
    last = (draft.conversation.last_reply_text, draft.conversation.last_queued_text)
    return UNCHANGED if draft.text.strip() in {t.strip() for t in last if t} else None


def _x_post(draft: Draft) -> Refusal | None:
    if draft.platform is not Platform.X or draft.route is not ReplyRoute.PUBLIC:
        return None
    weight = x_weight(draft.text)
    if weight > X_POST_WEIGHT:
        return Refusal(
            "too_long",
            f"Too long for a post on X: {weight} of {X_POST_WEIGHT} characters (a link counts"
            " 23, CJK characters and emoji 2). Shorten it or move to private messages.",
        )
    if draft.target is not None and draft.target.summoned:
        return None
    return Refusal(
        "x_not_summoned",
        "X lets apps reply only to posts that mention or quote the brand's account; this one"
        f" does not. Answer it on x.com: {_link(draft.target)}",
    )


def _length(draft: Draft) -> Refusal | None:
    limit = LIMITS.get((draft.platform, draft.route))
    if limit is None or len(draft.text) <= limit:
        return None
    return Refusal(
        "too_long",
        f"Too long for {draft.platform.label}: {len(draft.text):,} of {limit:,} characters.",
    )


def _vk_user_token_only(draft: Draft) -> Refusal | None:
    kind = (draft.target.kind if draft.target else None) or MessageKind.DIRECT
    if not (
        draft.platform is Platform.VK
        and draft.route is ReplyRoute.PUBLIC
        and kind in USER_TOKEN_ONLY
    ):
        return None
    return Refusal(
        "vk_user_token_only",
        "VK lets only a community admin's own account answer photo comments and board posts."
        f" Answer it on vk.com: {_link(draft.target)}, or move to private messages.",
    )


def _private_reply_window(draft: Draft) -> Refusal | None:
    if not draft.private_reply or draft.target is None:
        return None
    closes = draft.target.sent_at + PRIVATE_REPLY_WINDOW
    if draft.now <= closes:
        return None
    return Refusal(
        "window_closed",
        f"{draft.platform.label} accepts a private reply to a comment for 7 days; this comment's"
        f" closed at {closes:%Y-%m-%d %H:%M} UTC. Answer it publicly in the thread instead.",
    )


def _window(draft: Draft) -> Refusal | None:
    """Messenger and Instagram direct messages: 24 hours after the customer's last message,
    7 days with the HUMAN_AGENT tag. Public comment replies have no window."""
    if draft.route is ReplyRoute.PUBLIC or draft.private_reply:
        return None
    last = draft.conversation.last_inbound_at
    closes = reply_window_closes(draft.platform, last, draft.human_agent)
    if closes is None or draft.now <= closes:
        return None
    if draft.human_agent:
        return Refusal(
            "window_closed",
            f"{draft.platform.label} accepts a human agent's reply for 7 days after the customer's"
            f" last message; that window closed at {closes:%Y-%m-%d %H:%M} UTC.",
        )
    return Refusal(
        "window_closed",
        f"{draft.platform.label} accepts replies for 24 hours after the customer's last message;"
        f" that window closed at {closes:%Y-%m-%d %H:%M} UTC. With Meta's human agent"
        " permission (`human_agent: true` on the account in brand.yaml) it is 7 days.",
    )


def _telegram_business_window(draft: Draft) -> Refusal | None:
    if not draft.conversation.through_telegram_business:
        return None
    if draft.target is None:  # nothing names the business connection to answer through
        return Refusal(
            "no_target",
            "The customer's messages in this Telegram Business chat are gone (erased?), so the"
            " desk cannot answer through the account. Answer in Telegram itself.",
        )
    closes = draft.conversation.last_inbound_at + TELEGRAM_BUSINESS_WINDOW
    if draft.now <= closes:
        return None
    return Refusal(
        "window_closed",
        "Telegram lets a business account's bot answer only within 24 hours of the customer's"
        f" last message; that window closed at {closes:%Y-%m-%d %H:%M} UTC. Answer in Telegram"
        " itself, from the business account.",
    )


def message_tag(
    route: ReplyRoute,
    conversation: Conversation,
    target: StoredMessage | None,
    now: datetime,
    human_agent: bool,
) -> Literal["HUMAN_AGENT"] | None:
    """HUMAN_AGENT for a Meta direct message past the 24-hour window (the guards have let
    it through, so the account has the permission and it is inside 7 days)."""
    if not human_agent or route is ReplyRoute.PUBLIC:
        return None
    if is_private_reply(conversation.platform, route, _kind(target)):
        return None
    standard = reply_window_closes(conversation.platform, conversation.last_inbound_at)
    if standard is None or now <= standard:
        return None
    return "HUMAN_AGENT"
