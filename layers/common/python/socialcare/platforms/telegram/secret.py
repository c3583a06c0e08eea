"""Telegram's webhook proof (docs/platforms-telegram.md): no signature, a secret token chosen
at ``setWebhook`` that Telegram sends back in a header with every update. Compared in constant
time before a byte of the body is read; a wrong or missing one is refused (401)."""

import hmac

from socialcare.errors import InvalidSignature

SECRET_HEADER = "x-telegram-bot-api-secret-token"  # noqa: S105 - a header name, not a secret


def verify_secret_token(expected: str, header: str | None) -> None:
    if not header:
        raise InvalidSignature(f"missing {SECRET_HEADER} header")
    if not hmac.compare_digest(header.encode(), expected.encode()):
        raise InvalidSignature(f"{SECRET_HEADER} is not this bot's")
