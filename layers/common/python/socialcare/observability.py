"""The one Logger and Metrics of each function (service name from POWERTOOLS_SERVICE_NAME).

No Powertools Tracer: importing it costs ~95 ms of cold start (aws-local.md §7) and the
template's ``Tracing: Active`` already gives each invocation an X-Ray segment.

Logs hold no personal data: every line, whichever module writes it and at any level,
passes through ``PseudonymisingFormatter``, which replaces the values of personal keys
(message references carry platform ids; customer ids, handles, names, texts) with a short
stable pseudonym, so lines about one message or customer still correlate
(docs/privacy-logs.md). Keep such values out of message strings and exception texts.
"""

import hashlib
import json
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter
from aws_lambda_powertools.metrics import MetricUnit

# Keys whose values identify or quote a customer, wherever they appear in a log line.
# Not here, because operators need them and they are no customer's: brand ids, the brand's
# own account ids (account_id: which X account or VK community), conversation ids (already
# a hash), reply ids, clock names, platform event ids.
PERSONAL_KEYS = frozenset(
    {
        "message_ref",
        "message_refs",
        "parent_ref",
        "customer",
        "customer_id",
        "customer_name",
        "user",
        "user_id",
        "peer_id",
        "from_id",
        "sender_id",
        "author",
        "handle",
        "screen_name",
        "display_name",
        "profile_url",
        "link",
        "thread_key",
        "conversation_key",
        "text",
        "customer_text",
        "reply_text",
        "body",
    }
)


def pseudonym(value: object) -> str:
    """``h:`` and 12 hex digits of SHA-256: the same value always gives the same pseudonym
    (a number and its decimal text alike), so an operator who knows a value can find it."""
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    return "h:" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:12]


def pseudonymised(value: Any, personal: bool = False) -> Any:
    """``value`` with every value under a personal key replaced by its pseudonym."""
    if value is None:
        return None
    if isinstance(value, list | tuple):
        return [pseudonymised(item, personal) for item in value]
    if personal:
        return pseudonym(value)
    if isinstance(value, dict):
        return {key: pseudonymised(item, key in PERSONAL_KEYS) for key, item in value.items()}
    return value


class PseudonymisingFormatter(LambdaPowertoolsFormatter):
    def serialize(self, log: Any) -> str:  # Powertools passes the finished log dict
        return super().serialize(pseudonymised(log))


logger = Logger(logger_formatter=PseudonymisingFormatter())
metrics = Metrics()

__all__ = ["MetricUnit", "logger", "metrics", "pseudonym", "pseudonymised"]
