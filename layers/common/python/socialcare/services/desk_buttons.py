"""The card's buttons: send the suggested answer, edit it in a modal, assign to me, escalate
now, move to private messages, wait on the customer, resolve, mark as spam. Each press is one
Slack action; the card is redrawn after it."""

from dataclasses import dataclass
from typing import Any

from socialcare.errors import SupportError
from socialcare.models.common import ChannelType
from socialcare.models.conversation import Conversation
from socialcare.models.escalation import EscalationNotice
from socialcare.models.reply import META_PLATFORMS, ReplyRoute
from socialcare.observability import MetricUnit, logger, metrics
from socialcare.ports import Recorded
from socialcare.services import retention
from socialcare.services.desk_actions import (
    DM_NOTICE,
    ActionDeps,
    editor_id,
    loading_modal,
    redraw,
    reply_modal,
    send_reply,
    suggestion,
)


@dataclass(frozen=True)
class ButtonPress:
    action_id: str
    conversation_id: str
    agent: str
    key: str  # Slack's identity of this press: message ts, action ts, user
    trigger_id: str | None = None


def press(button: ButtonPress, deps: ActionDeps) -> str:
    conversation = deps.store.conversation(button.conversation_id)
    if conversation is None:
        logger.warning("a button for an unknown conversation")
        return "ignored"
    handler = _BUTTONS.get(button.action_id)
    if handler is None:
        logger.info("unhandled action", extra={"action_id": button.action_id})
        return "ignored"
    outcome = handler(conversation, button, deps)
    if button.action_id in CLOSING:  # also on a retry that found it done: it may be cut off
        _keep_until_expiry(conversation, deps)
    else:  # e.g. an escalation asked on a closed conversation expires with it
        retention.follow(deps.retention, conversation)
    redraw(button.conversation_id, deps)
    return outcome


def _keep_until_expiry(conversation: Conversation, deps: ActionDeps) -> None:
    brand = deps.brands.brands.get(conversation.brand_id)
    if brand is not None:
        retention.settle(deps.retention, conversation.id, brand.retention_days, deps.clock())


def _send_suggestion(conversation: Conversation, button: ButtonPress, deps: ActionDeps) -> str:
    text = suggestion(button.conversation_id, deps)
    if text is None:
        return _tell(conversation, button, deps, "There is no suggested answer to send.")
    return send_reply(
        conversation, text, f"slack-action:{button.key}", button.agent, deps, from_suggestion=True
    )


def _edit_suggestion(conversation: Conversation, button: ButtonPress, deps: ActionDeps) -> str:
    """The ack opened the editor (``open_editor``); here it gets the suggested answer."""
    editor = editor_id(button.key)
    text = suggestion(button.conversation_id, deps) or ""
    if not deps.slack.update_modal(editor, reply_modal(button.conversation_id, text, editor)):
        logger.info("the reply editor was closed before it was filled in")
        return "editor closed"
    return "modal"


def open_editor(button: ButtonPress, deps: ActionDeps) -> bool:
    """In the ack, while the trigger is valid: the editor opens at once, saying it is
    getting the suggested answer. False when Slack refused (the agent is told)."""
    if button.trigger_id is None:
        return False
    try:
        deps.slack.open_modal(
            button.trigger_id, loading_modal(button.conversation_id, editor_id(button.key))
        )
    except SupportError as exc:
        logger.error("the reply editor did not open", extra={"error": str(exc)})
        metrics.add_metric(name="ReplyEditorNotOpened", unit=MetricUnit.Count, value=1)
        return False
    return True


def _assign(conversation: Conversation, button: ButtonPress, deps: ActionDeps) -> str:
    deps.store.assign(button.conversation_id, button.agent)
    return "assigned"


def _escalate(conversation: Conversation, button: ButtonPress, deps: ActionDeps) -> str:
    if deps.escalations is None:
        return _tell(conversation, button, deps, "Escalation is not configured.")
    # Once per button press, whatever retries the press: a record first, then the notice.
    recorded = deps.store.record_escalation_request(
        button.conversation_id, button.key, button.agent
    )
    if recorded is Recorded.DONE:
        return "already"
    deps.escalations.publish(
        EscalationNotice.about(
            conversation,
            kind="requested",
            brand_id=conversation.brand_id,
            tier=1,
            reason=f"asked by Slack user {button.agent}",
        )
    )
    thread = conversation.slack_thread
    if thread:
        text = f":sos: <@{button.agent}> asked the managers for help."
        deps.slack.post(thread.channel, text, _section(text), thread.ts)
    deps.store.escalation_request_sent(button.conversation_id, button.key)
    return "escalated"


def _move_to_dm(conversation: Conversation, button: ButtonPress, deps: ActionDeps) -> str:
    """Tell the customer publicly that we continue in private, then continue there."""
    if conversation.channel_type is not ChannelType.PUBLIC or conversation.replies_privately:
        return _tell(conversation, button, deps, "This conversation is private already.")
    if not conversation.movable_to_private:  # a button from before, or a forged one
        return _tell(conversation, button, deps, MENTION_STAYS_PUBLIC)
    if conversation.platform in META_PLATFORMS:
        # Meta's private reply is itself the move: one direct message answering the comment,
        # which the customer sees in their inbox; no public notice is needed.
        deps.store.reply_privately(button.conversation_id)
        _tell(
            conversation,
            button,
            deps,
            "Your next reply in this thread goes to the customer as a private message"
            f" answering their comment ({conversation.platform.label} allows one per comment,"
            " for 7 days); their answer arrives as a direct message.",
        )
        return "moved:private_reply"
    language = conversation.language or "en"
    notice = DM_NOTICE.get(language, DM_NOTICE["en"])
    outcome = send_reply(
        conversation,
        notice,
        f"slack-action:{button.key}",
        button.agent,
        deps,
        route=ReplyRoute.PUBLIC,
    )
    if outcome not in ("queued", "requeued", "already"):
        return f"moved:{outcome}"  # the public notice could not go: the agent was told why
    deps.store.reply_privately(button.conversation_id)
    _tell(
        conversation,
        button,
        deps,
        "From now on, what you write in this thread goes to the customer by private message.",
    )
    return f"moved:{outcome}"


MENTION_STAYS_PUBLIC = (
    "Instagram offers no private message to someone who mentioned the account on their own"
    " or another's post: answer in the thread (the reply goes under their post or comment)."
)


def _resolve(conversation: Conversation, button: ButtonPress, deps: ActionDeps) -> str:
    done = deps.store.resolve(button.conversation_id, button.agent, deps.clock())
    return "resolved" if done else "ignored"


def _wait_on_customer(conversation: Conversation, button: ButtonPress, deps: ActionDeps) -> str:
    """The agent asked the customer something (an order number, a photo): the conversation
    is ``pending`` and its resolution clock pauses until the customer writes again, which
    reopens it (as Zendesk's "Pending")."""
    paused = deps.store.wait_on_customer(button.conversation_id, deps.clock())
    return "pending" if paused else "ignored"


def _spam(conversation: Conversation, button: ButtonPress, deps: ActionDeps) -> str:
    done = deps.store.mark_spam(button.conversation_id, button.agent, deps.clock())
    return "spam" if done else "ignored"


_BUTTONS = {
    "send_suggestion": _send_suggestion,
    "edit_suggestion": _edit_suggestion,
    "assign_me": _assign,
    "escalate_now": _escalate,
    "move_to_dm": _move_to_dm,
    "wait_on_customer": _wait_on_customer,
    "resolve": _resolve,
    "mark_spam": _spam,
}

BUTTON_IDS = frozenset(_BUTTONS)
CLOSING = frozenset({"resolve", "mark_spam"})


def _tell(conversation: Conversation, button: ButtonPress, deps: ActionDeps, text: str) -> str:
    thread = conversation.slack_thread
    deps.slack.ephemeral(
        thread.channel if thread else "", button.agent, text, thread.ts if thread else None
    )
    return "told"


def _section(text: str) -> list[dict[str, Any]]:
    return [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
