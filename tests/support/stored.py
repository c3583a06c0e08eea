"""A normalised inbound message to store, for the storage tests."""

from datetime import UTC, datetime

from socialcare.config import load_brands
from socialcare.platforms.x.normalise import _tweet
from socialcare.platforms.x.payloads import XTweet
from socialcare_tools.samples import tweet
from tests.conftest import BRANDS_DIR


def message():  # type: ignore[no-untyped-def]
    brand = load_brands(BRANDS_DIR).brands["acme"]
    return _tweet(
        XTweet.model_validate(tweet("1", "@AcmeSupport hi")),
        "1500000000000000001",
        brand,
        received_at=datetime(2026, 8, 24, 10, 15, 3, tzinfo=UTC),
    )
