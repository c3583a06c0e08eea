"""Replies on VK with vk_api 11.10.1 on API 5.199, as the community: ``messages.send`` for
private messages (``random_id`` derived from our reply id, so a retried send is the same
message to VK) and ``wall.createComment`` for wall posts and comments (``guid`` = our reply
id, ``reply_to_comment`` = the customer's comment).

vk_api retries error 6 by itself, every 0.5 s without end; that handler is removed so the
outbox decides: 6/9/29 postpone the reply, 10 and HTTP failures retry through the queue,
the user-facing refusals (blacklist, privacy, closed comments...) go to the agent."""

from collections.abc import Callable
from time import time

import requests  # type: ignore[import-untyped, unused-ignore]
import vk_api
from vk_api.exceptions import TOO_MANY_RPS_CODE, ApiError, ApiHttpError, VkApiError

from socialcare.adapters.redirect import VK_ORIGIN, redirect, with_timeouts
from socialcare.errors import ConfigurationError, SendPostponed, SendRefused, StorageUnavailable
from socialcare.models.message import MessageKind
from socialcare.models.reply import Delivered, OutboundReply, ReplyRoute
from socialcare.platforms.publishing import PublishingSecrets

API_VERSION = "5.199"
# How long each of VK's rate limits holds a reply back; VK names no reset time.
POSTPONE_SECONDS = {6: 2, 9: 60, 29: 3600}
REFUSALS = {
    7: "the community token may not do this (check its rights)",
    15: "VK denied access to this conversation or post",
    100: "VK refused the request as invalid",
    212: "comments are closed or not allowed here",
    213: "the customer does not accept replies to this post",
    222: "VK does not allow links in this comment",
    223: "the thread has too many replies",
    900: "the customer has blacklisted the community",
    901: "the customer has not allowed messages from the community",
    902: "the customer's privacy settings do not allow messages from the community",
    914: "the message is too long for VK",
    917: "the community has no access to this chat",
    945: "the chat is disabled",
    950: "VK's time to answer this message has passed",
}
CONFIGURATION = {5: "VK refused the community token (revoked or wrong)"}


def wall_target(message_id: str) -> tuple[int, int, int | None]:
    """``wall:<owner>_<post>`` or ``wall:<owner>_<post>:c<comment>`` (see vk.normalise)."""
    parts = message_id.split(":")
    owner, _, post = parts[1].partition("_")
    comment = int(parts[2].removeprefix("c")) if len(parts) > 2 else None
    return int(owner), int(post), comment


class VkSender:
    def __init__(
        self, secrets: Callable[[], PublishingSecrets], base_url: str | None = None
    ) -> None:
        self._secrets = secrets
        self._base_url = base_url

    def _api(self, community: str) -> vk_api.vk_api.VkApiMethod:
        keys = self._secrets().vk.get(community)
        if keys is None:
            raise ConfigurationError(f"no VK posting token for community {community}")
        session = with_timeouts(requests.Session())
        if self._base_url:
            redirect(session, VK_ORIGIN, self._base_url)
        vk = vk_api.VkApiGroup(
            token=keys.token.get_secret_value(), api_version=API_VERSION, session=session
        )
        vk.error_handlers.pop(TOO_MANY_RPS_CODE, None)  # no sleeping retry loop in Lambda
        return vk.get_api()

    def send(self, reply: OutboundReply) -> Delivered:
        api = self._api(reply.account_id)
        group = int(reply.account_id)
        try:
            if reply.route is ReplyRoute.PRIVATE or reply.target_kind is MessageKind.DIRECT:
                peer = int(reply.customer_id)
                message_id = api.messages.send(
                    peer_id=peer, random_id=reply.stable_int31, message=reply.text
                )
                return Delivered(
                    platform_message_id=str(message_id),
                    link=f"https://vk.com/gim{group}?sel={peer}&msgid={message_id}",
                )
            owner, post, comment = wall_target(reply.target_message_id)
            thread = {"reply_to_comment": comment} if comment is not None else {}
            found = api.wall.createComment(
                owner_id=owner,
                post_id=post,
                from_group=group,
                message=reply.text,
                guid=reply.guid,
                **thread,
            )
        except ApiError as exc:
            raise _translated(exc) from None
        except ApiHttpError as exc:
            raise StorageUnavailable(f"VK answered HTTP {exc.response.status_code}") from None
        except (VkApiError, requests.RequestException) as exc:
            raise StorageUnavailable(f"VK unreachable: {type(exc).__name__}") from None
        comment_id = found["comment_id"]
        return Delivered(
            platform_message_id=str(comment_id),
            link=f"https://vk.com/wall{owner}_{post}?reply={comment_id}",
        )


def _translated(exc: ApiError) -> Exception:
    code = int(exc.code)
    if code in POSTPONE_SECONDS:
        return SendPostponed(f"VK error {code}", time() + POSTPONE_SECONDS[code])
    if code in REFUSALS:
        return SendRefused(f"vk-{code}", REFUSALS[code])
    if code in CONFIGURATION:
        return ConfigurationError(CONFIGURATION[code])
    return StorageUnavailable(f"VK error {code}")  # 10 and the unknown: the queue retries
