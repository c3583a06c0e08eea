"""``socialcare telegram webhook set|info|delete --brand B``: a brand's Telegram bots and the
desk's webhook; and ``socialcare send telegram``'s deliveries.

Against the running local stack by default (``.socialcare/local.json``: its Telegram
stand-in, its gateway's ``/webhooks/telegram``, its Telegram secret); against AWS with
``--stack NAME`` (the stack's outputs ``TelegramWebhookUrl`` and ``TelegramBotSecretArn``;
Telegram itself). The bot tokens and secret tokens are read from the secret, never typed as
arguments and never printed.
"""

import argparse
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests  # type: ignore[import-untyped, unused-ignore]

from socialcare.adapters.secrets import secret_reader
from socialcare.adapters.telegram_bot_api import BotApiError, BotApiUnanswered, TelegramBotApi
from socialcare.config import load_brands
from socialcare.config.brands import Brand
from socialcare.errors import ConfigurationError, StorageUnavailable
from socialcare.platforms.telegram.secret import TelegramSecrets
from socialcare.services import telegram_setup
from socialcare_tools import samples_telegram
from socialcare_tools.local.cli_state import CommandError, Target, platform_target


def add_parser(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    telegram = sub.add_parser("telegram", help="the brand's Telegram bots and their webhook")
    actions = telegram.add_subparsers(dest="telegram_command", required=True)
    webhook = actions.add_parser(
        "webhook", help="set the desk's webhook on the brand's bots, show it, or delete it"
    )
    webhook.add_argument("action", choices=["set", "info", "delete"])
    webhook.add_argument("--brand", required=True, help="the brand id (its folder name)")
    webhook.add_argument("--brands-dir", type=Path, default=Path("layers/config/brands"))
    webhook.add_argument("--stack", help="AWS: the CloudFormation stack (default: local)")
    webhook.add_argument("--secret-arn", help="the Telegram secret (default: the stack's)")
    webhook.add_argument("--telegram-api-url", help="another Bot API base URL (a stand-in)")
    webhook.add_argument("--webhook-url", help="the URL to set (default: the stack's)")


def run(args: argparse.Namespace) -> int:
    try:
        brand = _brand(args)
        target = _target(args)
        if not target.secret_arn:
            raise ConfigurationError("no Telegram secret: give --secret-arn or --stack")
        secrets = secret_reader(target.secret_arn, TelegramSecrets, max_age=0)()
        api = TelegramBotApi(lambda: secrets, target.api_url)
        failing = 0
        for bot in brand.accounts.telegram:
            keys = secrets.bots.get(bot.id)
            if keys is None:
                raise ConfigurationError(f"the Telegram secret has no token for bot {bot.id}")
            if args.action == "delete":
                telegram_setup.delete_webhook(api, bot)
                print(f"@{bot.handle}: webhook deleted (Telegram keeps the updates until set)")
                continue
            if args.action == "set":
                secret_token = keys.secret_token.get_secret_value()
                state = telegram_setup.set_webhook(api, bot, target.webhook_url, secret_token)
            else:
                state = telegram_setup.check(api, bot, target.webhook_url)
            failing += _show(state)
        return 1 if failing else 0
    except (ConfigurationError, StorageUnavailable, BotApiError, BotApiUnanswered) as error:
        raise CommandError(str(error)) from None


def _show(state: telegram_setup.BotState) -> int:
    info = state.info
    print(f"@{state.bot.handle} ({state.bot.id})")
    print(f"  webhook   {info.url or '(none)'}")
    print(f"  pending   {info.pending_update_count} update(s) waiting at Telegram")
    if info.last_error_at is not None:
        print(f"  last error {info.last_error_at:%Y-%m-%d %H:%M} UTC: {info.last_error_message}")
    print(f"  updates   {', '.join(info.allowed_updates) or 'Telegram default'}")
    for problem in state.problems:
        print(f"  PROBLEM   {problem}")
    return 1 if state.problems else 0


def _brand(args: argparse.Namespace) -> Brand:
    brand = load_brands(args.brands_dir).brands.get(args.brand)
    if brand is None:
        raise ConfigurationError(f"no brand {args.brand!r} in {args.brands_dir}")
    if not brand.accounts.telegram:
        raise ConfigurationError(f"brand {args.brand!r} has no Telegram bot (accounts.telegram)")
    return brand


def _target(args: argparse.Namespace) -> Target:
    return platform_target(
        "telegram",
        stack=args.stack,
        api_url=args.telegram_api_url,
        webhook_url=args.webhook_url,
        secret_arn=args.secret_arn,
        outputs=("TelegramWebhookUrl", "TelegramBotSecretArn"),
    )


def customer_delivery(
    args: argparse.Namespace,
    state: dict[str, Any],
    deliver: Callable[[dict[str, Any], dict[str, Any]], int],
) -> dict[str, Any]:
    """A customer's Telegram message: to the bot in private (default), in a group, or to the
    brand's Telegram Business account (whose connection is made known first, to Telegram's
    stand-in and to the desk, as Telegram does when the owner connects the bot)."""
    if not args.text:
        raise CommandError('what should the Telegram customer say? socialcare send telegram "text"')
    sender = str(args.sender)
    user_id = int(sender) if sender.isdigit() else 7_000_000_000 + sum(map(ord, sender))
    username = sender if re.fullmatch(r"[A-Za-z0-9_]{3,32}", sender) else None
    customer = {"id": user_id, "is_bot": False, "first_name": sender, "username": username}
    customer = {k: v for k, v in customer.items() if v is not None}
    stamp, now = time.time_ns() // 1000, int(time.time())
    update_id = stamp % 2**31
    if args.business:
        connection = samples_telegram.business_connection()
        post_to_standin(state, "telegram", "/_connect", connection)
        deliver(
            state,
            samples_telegram.telegram_delivery(
                samples_telegram.update("business_connection", connection, update_id - 1)
            ),
        )
        chat = {"id": user_id, "type": "private", "first_name": sender}
        body = samples_telegram.business_message(
            args.text, message_id=stamp % 10**6, author=customer, chat=chat, date=now
        )
        return samples_telegram.telegram_delivery(
            samples_telegram.update("business_message", body, update_id)
        )
    if args.group:
        body = samples_telegram.group_message(
            args.text, author=customer, message_id=stamp % 10**6, date=now
        )
    else:
        chat = {"id": user_id, "type": "private", "first_name": sender}
        body = samples_telegram.message(
            args.text, message_id=stamp % 10**6, chat=chat, author=customer, date=now
        )
    return samples_telegram.telegram_delivery(samples_telegram.update("message", body, update_id))


def post_to_standin(state: dict[str, Any], service: str, path: str, body: dict[str, Any]) -> None:
    try:
        requests.post(f"{state['standins'][service].rstrip('/')}{path}", json=body, timeout=10)
    except requests.ConnectionError:
        raise CommandError(
            f"the {service} stand-in does not answer; is `socialcare local` running?"
        ) from None
