"""The published X test vectors (platforms.md §1.1, §1.2), computed by our code."""

import pytest

from socialcare.errors import InvalidSignature, MalformedPayload
from socialcare.platforms.x import signature


def test_crc_response_token_matches_the_documented_vector() -> None:
    token = signature.crc_response_token("test_consumer_secret", "challenge_string")
    assert token == "sha256=583uAmerwtjpykYEAEm+CEIRm6dOywK4QKRr0ha/Pd4="


def test_post_signature_matches_the_documented_vector() -> None:
    body = b'{"for_user_id":"2244994945","tweet_create_events":[]}'
    expected = "sha256=Lss4bxd6weR99So6MmhnJFpNn8h7oFFhZH5um9Z5oF4="
    assert signature.sign("test_consumer_secret", body) == expected
    signature.verify("test_consumer_secret", body, expected)


@pytest.mark.parametrize(
    "header", [None, "", "sha256=", "sha256=Lss4bxd6weR99So6MmhnJFpNn8h7oFFhZH5um9Z5oF4"]
)
def test_a_missing_or_altered_signature_is_refused(header: str | None) -> None:
    with pytest.raises(InvalidSignature):
        signature.verify(
            "test_consumer_secret", b'{"for_user_id":"2244994945","tweet_create_events":[]}', header
        )


def test_a_body_changed_by_one_byte_is_refused() -> None:
    body = b'{"for_user_id":"2244994945","tweet_create_events":[]}'
    good = signature.sign("test_consumer_secret", body)
    with pytest.raises(InvalidSignature):
        signature.verify("test_consumer_secret", body.replace(b"[]", b"[ ]"), good)


@pytest.mark.parametrize(
    "token", ["", "too_short", "x" * 129, '{"for_user_id":"2244994945"}', "challenge_string\n"]
)
def test_a_crc_token_not_shaped_like_xs_is_never_signed(token: str) -> None:
    with pytest.raises(MalformedPayload):
        signature.crc_response_token("test_consumer_secret", token)
