"""VK callback objects → ``InboundMessage``.

Conversation keys (design.md): a private dialogue is community + peer; a wall, photo
comment thread is community + the post (or photo) + the top-level comment of the thread
(``parents_stack[0]``, or the comment itself when it is top-level). A user's wall post is
its own conversation. Board topics have no threads, so a topic's conversation is per
customer. Items written by a community (``from_id < 0``: us) are skipped.
"""

from datetime import datetime

from pydantic import BaseModel

from socialcare.config import Brand
from socialcare.models import ChannelType, Customer, InboundMessage, MessageKind, Platform
from socialcare.platforms.dates import dated, from_epoch
from socialcare.platforms.vk.payloads import (
    VkBoardPost,
    VkEnvelope,
    VkMessageNew,
    VkPhotoComment,
    VkWallComment,
    VkWallPost,
)


def _customer(from_id: int) -> Customer:
    return Customer(
        id=str(from_id), handle=f"id{from_id}", profile_url=f"https://vk.com/id{from_id}"
    )


def _message(
    envelope: VkEnvelope,
    brand: Brand,
    item: BaseModel,
    *,
    kind: MessageKind,
    thread: str,
    own_id: str,
    link: str,
    received_at: datetime,
) -> InboundMessage:
    from_id, date, text = item.from_id, item.date, item.text  # type: ignore[attr-defined]
    group = str(envelope.group_id)
    when = dated(Platform.VK, from_epoch(date), str(date), received_at)
    return InboundMessage(
        platform=Platform.VK,
        account_id=group,
        brand_id=brand.id,
        channel_type=ChannelType.PRIVATE if kind is MessageKind.DIRECT else ChannelType.PUBLIC,
        kind=kind,
        thread_key=f"vk:{group}:{thread}",
        platform_message_id=own_id,
        platform_event_id=envelope.event_id,
        customer=_customer(from_id),
        text=text,
        sent_at=when.sent_at,
        platform_sent_at=when.platform_sent_at,
        link=link,
    )


def normalise(
    envelope: VkEnvelope, obj: BaseModel, brand: Brand, received_at: datetime
) -> InboundMessage | None:
    """The customer's message, or None for items that are ours (community-authored)."""
    group = envelope.group_id
    match obj:
        case VkMessageNew(message=m) if m.from_id > 0 and not m.out:
            return _message(
                envelope,
                brand,
                m,
                kind=MessageKind.DIRECT,
                thread=f"pm:{m.peer_id}",
                own_id=f"msg:{m.peer_id}:{m.conversation_message_id}",
                link=f"https://vk.com/gim{group}?sel={m.peer_id}",
                received_at=received_at,
            )
        case VkWallComment() if obj.from_id > 0:
            wall = f"{obj.wall_owner}_{obj.post_id}"
            top = obj.parents_stack[0] if obj.parents_stack else obj.id
            return _message(
                envelope,
                brand,
                obj,
                kind=MessageKind.WALL_COMMENT,
                thread=f"wall:{wall}:{top}",
                own_id=f"wall:{wall}:c{obj.id}",
                link=f"https://vk.com/wall{wall}?reply={obj.id}"
                + (f"&thread={top}" if top != obj.id else ""),
                received_at=received_at,
            )
        case VkWallPost() if obj.from_id > 0:
            wall = f"{obj.owner_id}_{obj.id}"
            return _message(
                envelope,
                brand,
                obj,
                kind=MessageKind.WALL_POST,
                thread=f"wall:{wall}",
                own_id=f"wall:{wall}",
                link=f"https://vk.com/wall{wall}",
                received_at=received_at,
            )
        case VkPhotoComment() if obj.from_id > 0:
            photo = f"{obj.photo_owner_id}_{obj.photo_id}"
            top = obj.parents_stack[0] if obj.parents_stack else obj.id
            return _message(
                envelope,
                brand,
                obj,
                kind=MessageKind.PHOTO_COMMENT,
                thread=f"photo:{photo}:{top}",
                own_id=f"photo:{photo}:c{obj.id}",
                link=f"https://vk.com/photo{photo}",
                received_at=received_at,
            )
        case VkBoardPost() if obj.from_id > 0:
            topic = f"{obj.topic_owner_id}_{obj.topic_id}"
            return _message(
                envelope,
                brand,
                obj,
                kind=MessageKind.BOARD_POST,
                thread=f"board:{topic}:{obj.from_id}",
                own_id=f"board:{topic}:c{obj.id}",
                link=f"https://vk.com/topic{topic}?post={obj.id}",
                received_at=received_at,
            )
    return None
