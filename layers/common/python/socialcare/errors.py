"""Domain errors. Each boundary (HTTP, SQS, Step Functions) translates them in one place.

No HTTP or SDK types appear here: the webhook module maps these to status codes, and
adapters translate SDK errors into them, never by matching message text.
"""


class SupportError(Exception):
    """Base of every socialcare error."""


class RejectedRequest(SupportError):
    """Bad input from outside. Never stored, never a 5xx."""


class InvalidSignature(RejectedRequest):
    """The request is not signed by the platform (missing or wrong signature)."""


class ForbiddenSender(RejectedRequest):
    """Signed or authenticated, but not by anyone we serve (wrong secret, unknown account)."""


class MalformedPayload(RejectedRequest):
    """The body is not the JSON the platform documents; the message says what is wrong."""

    def __init__(self, message: str, problems: list[dict[str, str]] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class PayloadTooLarge(RejectedRequest):
    """The body is larger than the documented limit."""


class ConfigurationError(SupportError):
    """The brand configuration or a secret is missing or invalid."""


class StorageUnavailable(SupportError):
    """DynamoDB or SQS failed; the platform must retry, so the webhook answers 5xx."""


class SendPostponed(SupportError):
    """The platform's rate limit: the reply waits until ``until`` (epoch seconds), then goes."""

    def __init__(self, message: str, until: float) -> None:
        super().__init__(message)
        self.until = until


class SendRefused(SupportError):
    """The platform refused the reply for good (blocked, privacy, window closed, forbidden);
    ``explanation`` is a plain sentence for the agent, ``code`` the platform's."""

    def __init__(self, code: str, explanation: str) -> None:
        super().__init__(f"{code}: {explanation}")
        self.code, self.explanation = code, explanation


class CustomerUnreachable(SendRefused):
    """The platform refused because the customer cannot be reached there any more (they
    blocked the account or bot, deleted their account, or removed the bot from the group):
    the conversation is marked unreachable until the customer writes again."""


class SendInterrupted(SupportError):
    """The platform call ended without an answer (a timeout): the reply may have gone."""


class ReplyUnchanged(SupportError):
    """The reply is word for word the conversation's last one (sent, or queued and not
    failed): platforms refuse repeats, and two agents sending one text send it once."""
