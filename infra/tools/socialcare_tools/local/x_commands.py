"""``socialcare x ...``: the X webhook and the X Activity API subscriptions of a brand.

Against the running local stack by default (``.socialcare/local.json``: its X stand-in, its
gateway's ``/webhooks/x`` and its X secret), against AWS with ``--stack NAME`` (the stack's
outputs ``XWebhookUrl`` and ``XWebhookSecretArn``; X itself). Tokens come from the X secret
(``services.x_setup.XAdminSecrets``) or, for the first setup, from ``--prompt-tokens``:
typed at a hidden prompt, never an argument (so never in the shell history), never printed.
"""

import argparse
import getpass
import json
from pathlib import Path
from typing import Any

from socialcare.adapters.secrets import secret_reader
from socialcare.adapters.x_admin import XAdmin
from socialcare.config import load_brands
from socialcare.config.brands import Brand
from socialcare.errors import ConfigurationError, StorageUnavailable
from socialcare.services import x_setup
from socialcare_tools.local.cli_state import CommandError, Target, local_state, platform_target


def add_parser(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    x = sub.add_parser("x", help="the X webhook and the brand's X Activity API subscriptions")
    actions = x.add_subparsers(dest="x_command", required=True)
    webhook = actions.add_parser("webhook", help="register, check or revalidate the webhook")
    webhook.add_argument("action", choices=["register", "status", "revalidate"])
    for name, helptext in (
        ("subscribe", "create the subscriptions the desk needs (existing ones are kept)"),
        ("subscriptions", "list the brand's subscriptions and what is missing"),
        ("unsubscribe", "remove the brand's desk subscriptions"),
    ):
        command = actions.add_parser(name, help=helptext)
        command.add_argument("--brand", required=True, help="the brand id (its folder name)")
        command.add_argument("--brands-dir", type=Path, default=Path("layers/config/brands"))
    for command in actions.choices.values():
        command.add_argument("--stack", help="AWS: the CloudFormation stack (default: local)")
        command.add_argument("--secret-arn", help="the X secret (default: the stack's)")
        command.add_argument("--webhook-id", help="which webhook, when the app has several")
        command.add_argument(
            "--prompt-tokens",
            action="store_true",
            help="type the tokens at a hidden prompt instead of reading the X secret",
        )
        command.add_argument("--x-api-url", help="another X API base URL (a stand-in)")
        command.add_argument("--webhook-url", help="the URL to register (default: the stack's)")
    add_x_gapfill(actions)  # socialcare x gapfill: its own options


def run(args: argparse.Namespace) -> int:
    if args.x_command == "gapfill":
        return x_gapfill(args)
    try:
        target = _target(args)
        admin, user_tokens = _clients(args, target)
        if args.x_command == "webhook":
            return _webhook(args.action, admin, target, args.webhook_id)
        brand = _brand(args)
        if args.x_command == "subscribe":
            return _subscribe(brand, admin, user_tokens, args.webhook_id)
        if args.x_command == "subscriptions":
            return _list(brand, admin)
        removed = x_setup.unsubscribe(brand, admin, user_tokens)
        print("\n".join(f"removed {r}" for r in removed) or "nothing to remove")
        return 0
    except (ConfigurationError, StorageUnavailable) as error:
        raise CommandError(str(error)) from None


def _target(args: argparse.Namespace) -> Target:
    return platform_target(
        "x",
        stack=args.stack,
        api_url=args.x_api_url,
        webhook_url=args.webhook_url,
        secret_arn=args.secret_arn,
        outputs=("XWebhookUrl", "XWebhookSecretArn"),
    )


def _clients(args: argparse.Namespace, target: Target) -> tuple[XAdmin, dict[str, str]]:
    if args.prompt_tokens:
        bearer = getpass.getpass("X app bearer token (hidden): ").strip()
        user_tokens: dict[str, str] = {}
        if args.x_command in ("subscribe", "unsubscribe"):
            for account in _brand(args).accounts.x:
                token = getpass.getpass(
                    f"OAuth 2.0 user token of @{account.handle} (hidden, empty: skip): "
                ).strip()
                if token:
                    user_tokens[account.id] = token
        if not bearer:
            raise ConfigurationError("no bearer token typed")
        return XAdmin(bearer, target.api_url), user_tokens
    if not target.secret_arn:
        raise ConfigurationError("no X secret: give --secret-arn or --prompt-tokens")
    secrets = secret_reader(target.secret_arn, x_setup.XAdminSecrets, max_age=0)()
    tokens = {a: t.oauth2_user_token.get_secret_value() for a, t in secrets.accounts.items()}
    return XAdmin(secrets.bearer_token.get_secret_value(), target.api_url), tokens


def _brand(args: argparse.Namespace) -> Brand:
    brand = load_brands(args.brands_dir).brands.get(args.brand)
    if brand is None:
        raise ConfigurationError(f"no brand {args.brand!r} in {args.brands_dir}")
    if not brand.accounts.x:
        raise ConfigurationError(f"brand {args.brand!r} has no X accounts (accounts.x)")
    return brand


def _webhook(action: str, admin: XAdmin, target: Target, webhook_id: str | None) -> int:
    if action == "register":
        same = [h for h in admin.webhooks() if h.url == target.webhook_url]
        hook = same[0] if same else admin.register(target.webhook_url)
        print(f"{'already registered' if same else 'registered'}: {hook.id} {hook.url}")
        print("Next: socialcare x subscribe --brand <brand>")
        return 0
    hook = x_setup.single_webhook(admin, webhook_id)
    if action == "revalidate":
        admin.revalidate(hook.id)
        hook = x_setup.await_validity(admin, hook.id)
    state = "valid" if hook.valid else "INVALID: X delivers nothing to it (revalidate it)"
    print(f"webhook {hook.id} {hook.url}: {state}")
    return 0 if hook.valid else 1


def _subscribe(
    brand: Brand, admin: XAdmin, user_tokens: dict[str, str], webhook_id: str | None
) -> int:
    hook = x_setup.single_webhook(admin, webhook_id)
    outcome = x_setup.subscribe(brand, admin, hook.id, user_tokens)
    for name in outcome.created:
        print(f"created   {name}")
    for name in outcome.existing:
        print(f"exists    {name}")
    for reason in outcome.failed:
        print(f"MISSING   {reason}")
    return 1 if outcome.failed else 0


def _list(brand: Brand, admin: XAdmin) -> int:
    missing = 0
    for state in x_setup.survey(brand, admin.subscriptions()):
        print(f"@{state.handle} ({state.account_id})")
        for event_type, sub in state.present.items():
            print(f"  ok        {event_type}  (subscription {sub.subscription_id})")
        for event in state.missing:
            print(f"  MISSING   {event.event_type}  ({event.why}; {event.privacy} event)")
        missing += len(state.missing)
    if missing:
        print(f"{missing} missing: socialcare x subscribe --brand {brand.id}")
    return 1 if missing else 0


def add_x_gapfill(actions: Any) -> None:
    """``socialcare x gapfill``, beside the other ``x`` commands (``actions``: their subparsers)."""
    gapfill = actions.add_parser(
        "gapfill",
        help="fetch what X intake missed in an outage window (replay or mentions timeline)",
    )
    gapfill.add_argument("--brand", required=True, help="the brand id (its folder name)")
    gapfill.add_argument(
        "--from", dest="start", required=True, help="ISO 8601 UTC, or yyyymmddhhmm"
    )
    gapfill.add_argument("--to", dest="end", required=True, help="ISO 8601 UTC, or yyyymmddhhmm")
    gapfill.add_argument("--account", help="the X account id (default: the brand's only one)")
    gapfill.add_argument("--reason", default="by hand", help="recorded in the log")
    gapfill.add_argument("--brands-dir", type=Path, default=Path("layers/config/brands"))
    gapfill.add_argument(
        "--function",
        help="AWS: the stack's x-gap-fill function name (asked asynchronously); "
        "default: the local stack's, run at once",
    )


def x_gapfill(args: argparse.Namespace) -> int:
    """Asks the gap fill function for one window, as the webhook health check does."""
    import boto3  # noqa: PLC0415 - only this command talks to Lambda

    try:
        brand = load_brands(args.brands_dir).brands.get(args.brand)
    except ConfigurationError as error:
        raise CommandError(str(error)) from None
    if brand is None:
        raise CommandError(f"no brand {args.brand!r} in {args.brands_dir}")
    accounts = [a.id for a in brand.accounts.x]
    account = args.account or (accounts[0] if len(accounts) == 1 else None)
    if account is None or account not in accounts:
        raise CommandError(f"choose --account among {brand.id}'s X accounts: {', '.join(accounts)}")
    event = {
        "brand": brand.id,
        "account_id": account,
        "from": args.start,
        "to": args.end,
        "reason": args.reason,
    }
    if args.function:
        boto3.client("lambda").invoke(
            FunctionName=args.function, InvocationType="Event", Payload=json.dumps(event)
        )
        print(f"Gap fill asked for {brand.name}: see the x-gap-fill log and the ops channel.")
        return 0
    state = local_state()
    answer = boto3.client("lambda").invoke(
        FunctionName=state["resources"]["XGapFillFunction"], Payload=json.dumps(event)
    )
    result = json.loads(answer["Payload"].read() or b"{}")
    if answer.get("FunctionError"):
        raise CommandError(f"the gap fill failed: {result.get('errorMessage', result)}")
    for found in result.get("results", []):
        done = "complete" if found["complete"] else f"stopped by the read cap, left {found['left']}"
        print(
            f"{brand.name} {found['way']}: {found['fetched']} read, {found['stored']} new,"
            f" {found['duplicates']} already stored; {done}"
        )
    return 0
