"""What the desk needs from X's Activity API, what exists, what is missing, and creating it.

The CLI (``socialcare x ...``) only parses and prints; this module decides. It talks to X
through the ``XAdminPort`` Protocol (``adapters.x_admin.XAdmin`` in production).

Event types the desk subscribes to per support account (docs.x.com changelog 2026-07-06 and
``x-api/activity/introduction``; the names of the private events come from the changelog,
the AAA-to-XAA mapping page was not readable in full: a wrong name makes X refuse the
subscription with a 400, which ``subscribe`` reports per event, it is never skipped quietly):

* ``post.mention.create`` (private): the account @mentioned explicitly.
* ``post.reply.create`` (private): direct replies to the account's posts, which carry no
  explicit mention (``post.mention.create`` "does not fire" for them).
* ``post.quote.create`` (private): direct quotes of the account's posts.
* ``post.create`` (public): the account's own posts, so our replies come back threaded.
* ``dm.received`` and ``dm.sent`` (private): direct messages in and out.
* ``chat.received`` (private): encrypted XChat messages (shown, never decrypted).

Not subscribable per account as far as the docs say: a customer deleting a post
(``post.delete`` filters on the deleting user) and app revocation (no XAA event named).
"""

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from socialcare.config.brands import Brand
from socialcare.errors import ConfigurationError
from socialcare.platforms.x.admin import Subscription, Webhook


class Privacy(StrEnum):
    PUBLIC = "public"  # the app's bearer token
    PRIVATE = "private"  # the account's OAuth 2.0 user-context token


@dataclass(frozen=True)
class DeskEvent:
    event_type: str
    privacy: Privacy
    why: str


DESK_EVENTS: tuple[DeskEvent, ...] = (
    DeskEvent("post.mention.create", Privacy.PRIVATE, "posts that @mention the account"),
    DeskEvent("post.reply.create", Privacy.PRIVATE, "replies to the account's posts"),
    DeskEvent("post.quote.create", Privacy.PRIVATE, "quotes of the account's posts"),
    DeskEvent("post.create", Privacy.PUBLIC, "the account's own posts (our replies, threaded)"),
    DeskEvent("dm.received", Privacy.PRIVATE, "direct messages to the account"),
    DeskEvent("dm.sent", Privacy.PRIVATE, "the account's direct messages (our replies)"),
    DeskEvent("chat.received", Privacy.PRIVATE, "encrypted chats (counted, never decrypted)"),
)


class XAccountTokens(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    oauth2_user_token: SecretStr = Field(min_length=1)


class XAdminSecrets(BaseModel):
    """The X secret's JSON (the same secret as the webhook's ``consumer_secret``)::

        {"consumer_secret": "...",              # the webhook's CRC and signatures
         "bearer_token": "...",                 # app-only: webhooks and public events
         "accounts": {"<X user id>": {"oauth2_user_token": "..."}}}  # private events

    The user tokens are needed only while subscriptions are created or removed.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    bearer_token: SecretStr = Field(min_length=1)
    accounts: dict[str, XAccountTokens] = Field(default_factory=dict)


class XAdminPort(Protocol):
    def webhooks(self) -> list[Webhook]: ...
    def register(self, url: str) -> Webhook: ...
    def revalidate(self, webhook_id: str) -> bool: ...
    def subscriptions(self) -> list[Subscription]: ...
    def subscribe(
        self,
        event_type: str,
        user_id: str,
        *,
        webhook_id: str,
        tag: str,
        user_token: str | None = None,
        direction: str | None = None,
    ) -> Subscription: ...
    def unsubscribe(self, subscription_id: str, user_token: str | None = None) -> None: ...


def tag(brand: Brand, account_id: str, event_type: str) -> str:
    """How our subscriptions are recognised among the app's (X shows the tag on delivery)."""
    return f"socialcare:{brand.id}:{account_id}:{event_type}"


@dataclass
class AccountState:
    account_id: str
    handle: str
    present: dict[str, Subscription] = field(default_factory=dict)
    missing: list[DeskEvent] = field(default_factory=list)


def survey(brand: Brand, existing: list[Subscription]) -> list[AccountState]:
    """Per X support account: which desk events are subscribed, which are missing."""
    states = []
    for account in brand.accounts.x:
        state = AccountState(account.id, account.handle or account.id)
        for event in DESK_EVENTS:
            found = next(
                (
                    s
                    for s in existing
                    if s.event_type == event.event_type and s.filter.user_id == account.id
                ),
                None,
            )
            if found is None:
                state.missing.append(event)
            else:
                state.present[event.event_type] = found
        states.append(state)
    return states


@dataclass
class Outcome:
    created: list[str] = field(default_factory=list)  # "account event_type"
    existing: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # with the reason


def single_webhook(admin: XAdminPort, webhook_id: str | None) -> Webhook:
    hooks = admin.webhooks()
    if webhook_id:
        chosen = [h for h in hooks if h.id == webhook_id]
        if not chosen:
            raise ConfigurationError(f"X has no webhook {webhook_id} for this app")
        return chosen[0]
    if len(hooks) != 1:
        raise ConfigurationError(
            f"the app has {len(hooks)} webhooks: register one first, or name it (--webhook-id)"
        )
    return hooks[0]


def await_validity(
    admin: XAdminPort, webhook_id: str, wait: float = 10.0, step: float = 0.5
) -> Webhook:
    """After a revalidation: X may run the CRC after answering; read until it says valid,
    for ``wait`` seconds at most (X's CRC has 3 s), then report what X says."""
    deadline = time.monotonic() + wait
    while True:
        hook = single_webhook(admin, webhook_id)
        if hook.valid or time.monotonic() >= deadline:
            return hook
        time.sleep(step)


def subscribe(
    brand: Brand,
    admin: XAdminPort,
    webhook_id: str,
    user_tokens: Mapping[str, str],
) -> Outcome:
    """Creates what ``survey`` finds missing; what exists is left alone (idempotent)."""
    outcome = Outcome()
    for state in survey(brand, admin.subscriptions()):
        outcome.existing += [f"{state.handle} {e}" for e in state.present]
        for event in state.missing:
            name = f"{state.handle} {event.event_type}"
            token = user_tokens.get(state.account_id)
            if event.privacy is Privacy.PRIVATE and not token:
                outcome.failed.append(
                    f"{name}: a private event needs the account's OAuth 2.0 user token "
                    f"(X secret accounts.{state.account_id}.oauth2_user_token, or --user-token)"
                )
                continue
            try:
                admin.subscribe(
                    event.event_type,
                    state.account_id,
                    webhook_id=webhook_id,
                    tag=tag(brand, state.account_id, event.event_type),
                    user_token=token if event.privacy is Privacy.PRIVATE else None,
                )
            except ConfigurationError as error:
                outcome.failed.append(f"{name}: {error}")
                continue
            outcome.created.append(name)
    return outcome


def unsubscribe(brand: Brand, admin: XAdminPort, user_tokens: Mapping[str, str]) -> list[str]:
    """Removes the brand's desk subscriptions; returns what was removed."""
    removed = []
    privacy = {e.event_type: e.privacy for e in DESK_EVENTS}
    for state in survey(brand, admin.subscriptions()):
        for event_type, sub in state.present.items():
            private = privacy[event_type] is Privacy.PRIVATE
            admin.unsubscribe(
                sub.subscription_id, user_tokens.get(state.account_id) if private else None
            )
            removed.append(f"{state.handle} {event_type}")
    return removed
