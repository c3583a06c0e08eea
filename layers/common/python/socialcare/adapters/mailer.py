"""Sending an e-mail through SES (``SendRawEmail``: our MIME, images and attachment as built)."""

from email.message import EmailMessage
from email.utils import parseaddr
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from socialcare.errors import StorageUnavailable

# SES refuses (MessageRejected) a sender outside a verified identity and, in the sandbox, any
# recipient not verified: the error says what to do.
NOT_VERIFIED_HINT = (
    " The sender's address must belong to a verified SES identity (the stack's"
    " ReportSenderIdentity). A new account's SES is in the sandbox: it sends only to verified"
    " addresses, so verify each recipient or ask for production access (SES console, Account"
    " dashboard, Request production access)."
)


class SesMailer:
    def __init__(self, client: Any = None) -> None:
        self._client = client or boto3.client("ses")

    def send(self, message: EmailMessage) -> str:
        """SES's message id. Any failure raises, so the invocation fails and is retried."""
        recipients = [a.strip() for a in str(message["To"]).split(",") if a.strip()]
        try:
            sent = self._client.send_raw_email(
                Source=parseaddr(str(message["From"]))[1],  # the address: display names vary
                Destinations=recipients,
                RawMessage={"Data": message.as_bytes()},
            )
        except (ClientError, BotoCoreError) as exc:
            refused = isinstance(exc, ClientError) and (
                exc.response.get("Error", {}).get("Code") == "MessageRejected"
            )
            hint = NOT_VERIFIED_HINT if refused else ""
            raise StorageUnavailable(f"SES refused or failed the report: {exc}.{hint}") from exc
        return str(sent["MessageId"])
