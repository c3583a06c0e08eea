"""The classify step: each stored message is read once, in conversation order.

It finds the customer's language, sentiment and topic (a brand rule first, the model for the
rest), judges spam, ranks priority with its reasons, picks the prepared answer, and moves the
conversation's lifecycle (``new``, ``answered``, ``resolved`` -> ``open``), which ingest
leaves to this step so that ingest never reads before it writes.
"""

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Protocol

from socialcare.classification import answers, language, priority, sentiment, spam, topics
from socialcare.classification.addressing import Addressee
from socialcare.classification.models import Models, shipped
from socialcare.classification.rules import RuleBook
from socialcare.clock import Clock, utc_now
from socialcare.config.answers import AnswerBase
from socialcare.config.brands import Brand
from socialcare.config.policies import BrandPolicies
from socialcare.deadlines.plan import ClockPlan
from socialcare.errors import SupportError
from socialcare.models import ClassifyRequest, DeskRequest
from socialcare.models.classification import Classification, Sentiment
from socialcare.models.conversation import Conversation, ConversationStatus
from socialcare.models.message import MessageKind, iso
from socialcare.models.stored import StoredMessage
from socialcare.observability import MetricUnit, logger, metrics
from socialcare.ports import ClassifyQueue, TakeUp
from socialcare.services import retention
from socialcare.services.alerts import AlertDeps, Occasion, raise_alerts
from socialcare.services.batch_reads import Loaded, Prefetched
from socialcare.services.clock_task import ClockStarter, clocks_to_start
from socialcare.services.retention import Retention

# Kinds written privately: answering them is not a public act (priority reasons).
PRIVATE_KINDS = frozenset({MessageKind.DIRECT, MessageKind.ENCRYPTED_CHAT})


class MessageMissing(SupportError):
    """A classify request for a message that is not stored: retried, then dead-lettered."""


class ClassifyStore(Protocol):
    def load(self, conversation_id: str, message_sk: str) -> Loaded: ...

    def take_up(
        self,
        conversation_id: str,
        message_sk: str,
        classification: Classification,
        seen_status: str | None,
        clocks: tuple[ClockPlan, ...] = (),
    ) -> TakeUp: ...

    def earlier_conversations(self, conversation: Conversation, window: timedelta) -> int:
        """How many conversations its customer opened in ``window`` before it began."""
        ...

    def copies(self, brand_id: str, day: str, text_key: str, message_ref: str) -> int: ...


@dataclass(frozen=True)
class Knowledge:
    """What a brand taught the classifier: its rules, its answer base, its reply policies."""

    rules: RuleBook
    answers: AnswerBase
    policies: BrandPolicies = field(default_factory=BrandPolicies)
    retention_days: int = 365  # a closed conversation's life (brand.yaml)
    # Pages and Instagram accounts with Meta's human agent permission: their direct messages
    # may be answered for 7 days, so their reply clocks are not cut at 24 hours.
    human_agent_accounts: frozenset[str] = frozenset()

    @classmethod
    def of(cls, brand: Brand) -> "Knowledge":
        meta = (*brand.accounts.facebook, *brand.accounts.instagram)
        return cls(
            RuleBook(brand.rules),
            brand.answers,
            brand.policies,
            brand.retention_days,
            frozenset(a.id for a in meta if a.human_agent),
        )


@dataclass(frozen=True)
class Context:
    """What the conversation tells about a message; the CLI assumes a first public message."""

    followers: int | None = None
    verified: bool | None = None
    public: bool = True
    platform: str | None = None  # how the customer is addressed: @handle on X, first name on VK
    name: str | None = None
    handle: str | None = None
    messages_in_conversation: int = 1
    earlier_conversations: int = 0
    copies: int = 0  # messages to the brand today with the same promotional text
    waiting_since: datetime | None = None
    now: datetime = field(default_factory=utc_now)


def classify_text(
    text: str,
    brand: Knowledge | None = None,
    context: Context | None = None,
    models: Models | None = None,
) -> Classification:
    """Language first; sentiment; the brand's rules pick the topic before the model does;
    then spam, priority with its reasons, and the prepared answer."""
    about = context or Context()
    loaded = models or shipped()
    found = language.detect(text)
    feeling = sentiment.judge(text, loaded.sentiment)
    modelled = topics.guess(text, loaded.topic)
    ruled = brand.rules.match(text, found.code) if brand is not None else None
    topic = ruled or modelled.topic
    verdict = spam.judge(
        spam.SpamSignals(text=text, model=modelled.spam_probability, copies=about.copies)
    )
    rank = priority.score(
        priority.Signals(
            followers=about.followers,
            verified=about.verified,
            public=about.public,
            text=text,
            topic=topic,
            messages_in_conversation=about.messages_in_conversation,
            waiting_since=about.waiting_since,
            now=about.now,
            negative=feeling.label is Sentiment.NEGATIVE,
            spam=verdict.is_spam,
            earlier_conversations=about.earlier_conversations,
        )
    )
    suggestion = None
    if brand is not None and not verdict.is_spam:
        customer = Addressee(about.platform, about.name, about.handle, about.public)
        suggestion = answers.suggest(brand.answers, text, found.code, topic, customer)
    return Classification(
        language=found,
        sentiment=feeling,
        topic=topic,
        spam=verdict,
        priority=rank,
        suggestion=suggestion,
    )


def context_of(
    message: StoredMessage,
    conversation: Conversation | None,
    now: datetime,
    earlier_conversations: int = 0,
) -> Context:
    author = message.author
    return Context(
        followers=author.followers if author else None,
        verified=author.verified if author else None,
        public=message.kind not in PRIVATE_KINDS,
        platform=message.platform,
        name=author.name if author else None,
        handle=author.handle if author else None,
        messages_in_conversation=conversation.message_count if conversation else 1,
        earlier_conversations=earlier_conversations,
        waiting_since=conversation.waiting_since if conversation else None,
        now=now,
    )


class PrefetchedStore(Prefetched[ClassifyStore]):
    """One queue batch's messages and conversations, read in one call before the batch runs
    (services.batch_reads); after each take-up the conversation's new status and clocks are
    remembered, so a second message of the same conversation in the batch sees what the
    first one left."""

    def earlier_conversations(self, conversation: Conversation, window: timedelta) -> int:
        return self._store.earlier_conversations(conversation, window)

    def copies(self, brand_id: str, day: str, text_key: str, message_ref: str) -> int:
        return self._store.copies(brand_id, day, text_key, message_ref)

    def take_up(
        self,
        conversation_id: str,
        message_sk: str,
        classification: Classification,
        seen_status: str | None,
        clocks: tuple[ClockPlan, ...] = (),
    ) -> TakeUp:
        outcome = self._store.take_up(
            conversation_id, message_sk, classification, seen_status, clocks
        )
        if outcome is TakeUp.TAKEN and seen_status not in (None, ConversationStatus.SPAM):
            if not classification.spam.is_spam:
                status = ConversationStatus.OPEN
            elif seen_status == ConversationStatus.NEW:
                status = ConversationStatus.SPAM
            else:
                status = ConversationStatus(seen_status)
            # A later message of this conversation in the same batch must see what this
            # take-up wrote: its status, the clocks it started (an alert keys on them), the
            # customer's earlier conversations (not counted again).
            change: dict[str, object] = {"status": status}
            change |= {f"clock_{p.clock.value}": p.as_summary() for p in clocks}
            if classification.priority is not None and not classification.spam.is_spam:
                change["earlier_conversations"] = classification.priority.earlier_conversations
            self._reads.wrote(conversation_id, change)
        return outcome


@dataclass(frozen=True)
class ClassifyDeps:
    store: ClassifyStore
    brands: dict[str, Knowledge] = field(default_factory=dict)  # brand id -> what it taught
    models: Models = field(default_factory=shipped)
    clocks: ClockStarter | None = None  # None: no reply clocks (no state machine configured)
    alerts: AlertDeps | None = None  # None: no escalation topic configured
    desk: ClassifyQueue | None = None  # the Slack desk's queue; None: no Slack desk
    retention: Retention | None = None  # closed conversations expire; None: kept for ever
    repeat_window: timedelta = timedelta(days=priority.REPEAT_WINDOW_DAYS)
    clock: Clock = utc_now


def process(request: ClassifyRequest, deps: ClassifyDeps) -> None:
    logger.append_keys(conversation_id=request.conversation_id)
    message, conversation = deps.store.load(request.conversation_id, request.message_sk)
    if message is None:
        # The reference stays out of the exception text: it names the platform message.
        logger.warning(
            "message to classify is not stored", extra={"message_ref": request.message_ref}
        )
        raise MessageMissing("the message to classify is not stored")
    if message.processed_at:  # a redelivered request: nothing to redo but the hand-on
        logger.info("message already taken up", extra={"message_ref": request.message_ref})
        _hand_on(request, message.is_spam, deps)
        if retention.may_change(conversation):  # a take-up whose expiry step was cut off
            _settle_expiry(request, deps)
        return
    now = deps.clock()
    text = message.text
    about = replace(
        context_of(message, conversation, now, _earlier_conversations(conversation, deps)),
        copies=_copies(text, message, request, deps),
    )
    brand = deps.brands.get(request.brand_id)
    found = classify_text(text, brand, about, deps.models)
    seen_status = conversation.status if conversation else None
    plans: tuple[ClockPlan, ...] = ()
    if deps.clocks is not None and brand is not None and conversation is not None:
        human_agent = conversation.account_id in brand.human_agent_accounts
        plans = clocks_to_start(
            request, message, conversation, found, brand.policies, human_agent=human_agent
        )
        if plans:  # before take-up: a failure here retries the whole record
            deps.clocks.start(plans)
    if deps.alerts is not None and brand is not None and conversation is not None:
        occasion = Occasion(request, conversation, found, plans, now)
        raise_alerts(occasion, brand.policies.spikes, deps.alerts)
    outcome = deps.store.take_up(
        request.conversation_id, request.message_sk, found, seen_status, plans
    )
    _hand_on(request, found.spam.is_spam, deps)
    if (found.spam.is_spam and seen_status == ConversationStatus.NEW) or retention.may_change(
        conversation
    ):
        _settle_expiry(request, deps)
    if outcome is TakeUp.TAKEN:
        metrics.add_metric(name="MessageClassified", unit=MetricUnit.Count, value=1)
        # Coverage of the answer base: the share of messages that had a suggestion.
        covered = "AnswerSuggested" if found.suggestion else "NoAnswer"
        metrics.add_metric(name=covered, unit=MetricUnit.Count, value=1)
    topic = found.topic.code if found.topic else None
    logger.info(
        f"message {outcome}",
        extra={
            "message_ref": request.message_ref,
            "language": found.language.code,
            "topic": topic,
            "priority": found.priority.level if found.priority else None,
            "spam": found.spam.is_spam,
        },
    )


def _earlier_conversations(conversation: Conversation | None, deps: ClassifyDeps) -> int:
    """Repeat contact: the customer's other conversations opened in the window before this
    one began. Counted for its first message; later ones read the count kept on it."""
    if conversation is None:
        return 0
    if conversation.earlier_conversations is not None:
        return conversation.earlier_conversations
    return deps.store.earlier_conversations(conversation, deps.repeat_window)


def _copies(text: str, message: StoredMessage, request: ClassifyRequest, deps: ClassifyDeps) -> int:
    """How many messages to the brand carried this promotional text on the message's day,
    this one included; a redelivered message is counted once (the store keeps references)."""
    key = spam.campaign_key(text)
    if key is None:
        return 0
    day = iso(message.sent_at)[:10]
    return deps.store.copies(request.brand_id, day, key, request.message_ref)


def _settle_expiry(request: ClassifyRequest, deps: ClassifyDeps) -> None:
    """The conversation's items expire if it is closed now, and not if it reopened."""
    brand = deps.brands.get(request.brand_id)
    days = brand.retention_days if brand else Knowledge.retention_days
    retention.settle(deps.retention, request.conversation_id, days, deps.clock())


def _hand_on(request: ClassifyRequest, spam: bool, deps: ClassifyDeps) -> None:
    """To the Slack desk's queue, after the take-up, and again on a redelivery: a send that
    failed after a take-up is retried with the record; FIFO deduplication (and the desk's
    own record of what it posted) absorb the repeats."""
    if deps.desk is not None and not spam:
        deps.desk.send(
            DeskRequest.to_show(request),
            group=request.conversation_id,
            dedup_id=request.message_ref,
        )
