"""``socialcare``: run the desk locally and look inside it.

socialcare local                  start the local stack and keep it running
socialcare demo                   start it, play a busy hour, print what happened
socialcare send x "text"          post a signed delivery to the running stack
socialcare send FILE.json         post a sample event (events/) or a raw payload
socialcare inbox [--json]         the conversations
socialcare slack [--json]         what the app posted to the Slack stand-in
socialcare outbox [--json]        the replies that reached the X and VK stand-ins
socialcare classify TEXT | -      what the classifier reads in a message (JSON)
socialcare forget @handle --brand B  erase a customer (or platform:id, e.g. x:12345)
socialcare x webhook register|status|revalidate     the X webhook (docs/x-setup.md)
socialcare x subscribe|subscriptions|unsubscribe --brand B  its X Activity API subscriptions
socialcare x gapfill --brand B --from T --to T  fetch what X intake missed in an outage
"""

import argparse
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from socialcare_tools.local import commands, telegram_commands, x_commands
from socialcare_tools.local.cli_state import CommandError
from socialcare_tools.local.stack import DEFAULT_TIME_FACTOR, Ports


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="socialcare", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = root.add_subparsers(dest="command", required=True)
    defaults = Ports()
    for name, helptext in (
        ("local", "start the local stack; Ctrl-C stops it"),
        ("demo", "start the stack, play a scripted busy hour, check nothing is lost"),
    ):
        command = sub.add_parser(name, help=helptext)
        command.add_argument(
            "--aws-port",
            type=int,
            default=defaults.aws,
            help=f"embedded AWS (default {defaults.aws})",
        )
        command.add_argument(
            "--gateway-port",
            type=int,
            default=defaults.gateway,
            help=f"HTTP gateway (default {defaults.gateway})",
        )
        command.add_argument(
            "--standin-ports",
            type=int,
            nargs=5,
            metavar=("SLACK", "X", "VK", "META", "TELEGRAM"),
            default=[defaults.slack, defaults.x, defaults.vk, defaults.meta, defaults.telegram],
            help="stand-in ports",
        )
        command.add_argument(
            "--time-factor",
            type=float,
            default=DEFAULT_TIME_FACTOR,
            help=f"divide every platform wait by this (default {DEFAULT_TIME_FACTOR:g})",
        )
        command.add_argument(
            "--any-port", action="store_true", help="pick free ports instead of the defaults"
        )
    demo = sub.choices["demo"]
    demo.add_argument("--scenario", type=Path, default=Path("events/scenarios/busy_hour.json"))

    send = sub.add_parser("send", help="post a delivery, signed as the platform would sign it")
    send.add_argument(
        "target",
        help="x, vk, messenger, facebook, instagram, telegram, or a JSON file (an event from"
        " events/ or a raw payload)",
    )
    send.add_argument("text", nargs="?", help="the message text (with a network)")
    send.add_argument(
        "--from", dest="sender", default="janeroe", help="the customer (handle or id)"
    )
    send.add_argument(
        "--reply-to",
        help="X: the tweet id this answers; VK, Facebook, Instagram: the top comment id",
    )
    send.add_argument("--dm", action="store_true", help="a private message instead of a public one")
    send.add_argument(
        "--group",
        action="store_true",
        help="Telegram: in a group where the bot is a member (kept only if it mentions"
        " @AcmeSupportBot or a brand keyword, or answers the bot)",
    )
    send.add_argument(
        "--business",
        action="store_true",
        help="Telegram: to the brand's own Telegram Business account (its connection is"
        " made first, with the right to reply)",
    )
    send.add_argument(
        "--mention",
        nargs="?",
        const="comment",
        choices=["comment", "caption"],
        help="Instagram: an @mention of the account in a comment (default) or a caption on"
        " the customer's own post",
    )
    classify = sub.add_parser("classify", help="what the classifier reads in a message, as JSON")
    classify.add_argument("text", help='the message, or "-" for one message a line on stdin')
    classify.add_argument("--brand", help="whose rules apply (default: the first brand)")
    classify.add_argument("--brands-dir", type=Path, default=Path("layers/config/brands"))
    report = sub.add_parser(
        "report", help="render a brand's report (e-mail, HTML, charts, CSV) to files"
    )
    report.add_argument("--brand", required=True, help="the brand id (its folder name)")
    report.add_argument("--period", choices=["day", "week"], default="day")
    report.add_argument(
        "--date", type=date.fromisoformat, help="a day of the period (default: the last whole one)"
    )
    report.add_argument(
        "--out", type=Path, default=Path(".socialcare/reports"), help="folder to write to"
    )
    report.add_argument("--brands-dir", type=Path, default=Path("layers/config/brands"))
    forget = sub.add_parser(
        "forget",
        help="erase every conversation of a customer with a brand, and their Slack cards",
    )
    forget.add_argument(
        "customer", help="@handle, or platform:id (x:12345, vk:678, messenger:6100…)"
    )
    forget.add_argument("--brand", required=True, help="the brand id (its folder name)")
    forget.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    forget.add_argument("--brands-dir", type=Path, default=Path("layers/config/brands"))
    forget.add_argument(
        "--table", help="AWS: the stack's conversations table (default: the local stack's)"
    )
    forget.add_argument(
        "--slack-secret", help="AWS: the Slack app secret's ARN (without it Slack is untouched)"
    )
    x_commands.add_parser(sub)  # socialcare x webhook | subscribe | ... | gapfill
    telegram_commands.add_parser(sub)  # socialcare telegram webhook set | info | delete
    for name, helptext in (
        ("inbox", "the conversations"),
        ("slack", "what the app posted to Slack"),
        ("outbox", "replies that reached the platforms"),
    ):
        view = sub.add_parser(name, help=helptext)
        view.add_argument("--json", action="store_true", help="machine-readable output")
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return commands.run(args)
    except CommandError as error:
        print(f"socialcare: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
