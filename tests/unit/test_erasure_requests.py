"""What ``/care forget`` and ``socialcare forget`` accept, and what they tell people."""

import pytest

from socialcare.services.care_forget import asks_to_forget
from socialcare.services.erasure import Erasure, Target, parse_target, summary


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("@janeroe", Target(handle="janeroe")),
        (" @Jane_Roe.2 ", Target(handle="Jane_Roe.2")),
        ("x:1400000000000000042", Target(platform="x", customer_id="1400000000000000042")),
        ("vk:12345", Target(platform="vk", customer_id="12345")),
        (
            "messenger:6100000000000042",
            Target(platform="messenger", customer_id="6100000000000042"),
        ),
        (
            "instagram:9100000000000042",
            Target(platform="instagram", customer_id="9100000000000042"),
        ),
        ("facebook:7000000000000001", Target(platform="facebook", customer_id="7000000000000001")),
    ],
)
def test_a_handle_or_a_platform_id_is_understood(text: str, target: Target) -> None:
    assert parse_target(text) == target


@pytest.mark.parametrize(
    "text",
    ["janeroe", "@", "@jane roe", "x:", "x:abc", "tiktok:123", "@<!channel>", "x:1;2", ""],
)
def test_anything_else_is_refused(text: str) -> None:
    assert parse_target(text) is None


def test_the_command_word_is_forget_alone() -> None:
    assert asks_to_forget("forget @janeroe") and asks_to_forget("forget")
    assert not asks_to_forget("forgetful @janeroe") and not asks_to_forget("show forget")


def test_what_people_are_told() -> None:
    assert "more than one customer: nothing erased" in summary(Erasure("ambiguous"), "@jo")
    assert summary(Erasure("nothing"), "@jo") == (
        "Nothing stored about @jo for this brand: nothing to erase."
    )
    done = summary(
        Erasure("erased", "2026-12-04T10:00:00Z#ab", {"conversations": 2, "notes": 1}), "@jo"
    )
    assert done.startswith("Erased @jo: conversations 2, notes 1.")
    assert "e-mails already sent" in done and "35 days" in done
