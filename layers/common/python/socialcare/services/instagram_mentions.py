"""Instagram @mentions: the Meta webhook queues each mention's ids (its change carries no
text); this reads the comment or caption from the Graph API and stores it like every
message, so it is classified, clocked and shown on the desk. A redelivered mention is read
again and stored once (ingest's reference); one that can no longer be read is passed over,
counted; one that cannot be read now stays in the queue."""

from dataclasses import dataclass
from typing import Protocol

from socialcare.models import MentionRequest
from socialcare.observability import MetricUnit, logger, metrics
from socialcare.platforms.meta.normalise import mention_message
from socialcare.platforms.meta.payloads import MentionedComment, MentionedMedia
from socialcare.services.ingest import IngestDeps, ingest


class MentionReader(Protocol):
    def read(self, request: MentionRequest) -> MentionedComment | MentionedMedia | None:
        """The mentioning comment or media; None: it can no longer be read."""
        ...


@dataclass(frozen=True)
class MentionDeps:
    reader: MentionReader
    ingest: IngestDeps


def take_mention(request: MentionRequest, deps: MentionDeps) -> str:
    logger.append_keys(message_ref=request.ref)
    found = deps.reader.read(request)
    if found is None:
        # Deleted, comments turned off, or the media made private since: nothing to answer.
        logger.warning("mention gone before it was read")
        metrics.add_metric(name="MentionUnreadable", unit=MetricUnit.Count, value=1)
        return "gone"
    report = ingest([mention_message(request, found)], deps.ingest)
    return "stored" if report.stored else "duplicate"
