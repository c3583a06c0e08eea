"""Priority with its reasons, and spam, as documented in socialcare.classification."""

from datetime import UTC, datetime, timedelta

import pytest

from socialcare.classification import priority, spam
from socialcare.models.classification import Topic, TopicGuess

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def signals(**changes: object) -> priority.Signals:
    base: dict[str, object] = {
        "followers": 50,
        "verified": False,
        "public": False,
        "text": "где мой заказ",
        "topic": None,
        "messages_in_conversation": 1,
        "waiting_since": NOW,
        "now": NOW,
    }
    return priority.Signals(**(base | changes))  # type: ignore[arg-type]


def test_a_quiet_private_first_message_is_p4_with_no_reasons() -> None:
    ranked = priority.score(signals())
    assert (ranked.level, ranked.score, ranked.reasons) == ("P4", 0, ())


def test_a_public_complaint_from_a_wide_reach_account_is_p1_and_says_why() -> None:
    refund = TopicGuess(
        code=Topic.REFUND_RETURN,
        source="rule",
        reason="rule 'refunds' matched 'верните'",
        priority="up",
    )
    ranked = priority.score(signals(followers=250_000, verified=True, public=True, topic=refund))
    assert ranked.level == "P1" and ranked.score == 3 + 1 + 1 + 1 + 2
    assert ranked.reasons == (
        "reach: 250,000 followers (+3)",
        "verified account (+1)",
        "public: everyone sees the answer (+1)",
        "topic: refund_return (+1)",
        "rule 'refunds' says up (+2)",
    )


@pytest.mark.parametrize("word", ["срочно", "URGENT", "терміново", "тэрмінова", "hitno"])
def test_urgency_words_in_every_language_add_two(word: str) -> None:
    assert priority.score(signals(text=f"ответьте {word}")).score == 2


def test_a_customer_waiting_and_writing_again_climbs() -> None:
    ranked = priority.score(
        signals(messages_in_conversation=3, waiting_since=NOW - timedelta(hours=5))
    )
    assert ranked.level == "P2" and ranked.reasons == (
        "message 3 while waiting (+2)",
        "waiting 5 h (+2)",
    )


def test_praise_goes_down_and_spam_is_always_p4() -> None:
    praise = TopicGuess(code=Topic.PRAISE, source="rule", reason="rule 'praise' matched 'thanks'")
    assert priority.score(signals(public=True, topic=praise)).level == "P4"
    assert priority.score(signals(followers=10**6, spam=True)).reasons == ("spam: never escalated",)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("WIN a free iPhone! click here https://x.co/a", "promotion ('WIN a') with a link"),
        ("see https://a.io https://b.io https://c.io", "3 links"),
        ("@a @b @c @d @e look at this", "5 accounts mentioned"),
        ("Бесплатно получи бонус https://bonus.ru", "promotion ('Бесплатно получи') with a link"),
    ],
)
def test_clear_spam_is_marked_with_its_reason(text: str, reason: str) -> None:
    verdict = spam.judge(spam.SpamSignals(text=text))
    assert verdict.is_spam and reason in verdict.reasons


@pytest.mark.parametrize(
    "text",
    [
        "My order never arrived, photo: https://imgur.com/x",
        "Где мой заказ?",
        "win the war against bad delivery",
    ],
)
def test_a_real_customer_with_a_link_is_not_spam(text: str) -> None:
    assert not spam.judge(spam.SpamSignals(text=text)).is_spam


def test_negative_sentiment_and_repeat_contact_raise_the_priority_and_say_so() -> None:
    ranked = priority.score(signals(negative=True, earlier_conversations=2))
    assert ranked.level == "P2" and ranked.reasons == (
        "negative sentiment (+2)",
        "repeat contact: 2 other conversations in 7 days (+2)",
    )
    once = priority.score(signals(earlier_conversations=1))
    assert once.reasons == ("repeat contact: 1 other conversation in 7 days (+1)",)


def test_the_models_spam_reading_counts_alone_only_when_near_certain() -> None:
    assert spam.judge(spam.SpamSignals(text="earn from home, dm me", model=0.97)).is_spam
    assert not spam.judge(spam.SpamSignals(text="earn from home, dm me", model=0.8)).is_spam
    with_link = spam.judge(spam.SpamSignals(text="earn from home https://x.co/a", model=0.8))
    assert with_link.reasons == ("reads like spam (model 0.80)",)


def test_the_same_promotional_text_again_and_again_is_a_campaign() -> None:
    text = "Huge giveaway today, follow and repost https://promo.example/x"
    assert spam.judge(spam.SpamSignals(text=text, copies=3)).reasons[-1] == (
        "the same text in 3 messages today"
    )
    plain = "where is my order? it is very late now"
    assert not spam.judge(spam.SpamSignals(text=plain, copies=40)).is_spam


def test_a_campaign_key_ignores_links_mentions_and_numbers_and_skips_plain_requests() -> None:
    one = spam.campaign_key("@a @b Earn 500 a day from home https://x.co/1")
    other = spam.campaign_key("@c @d earn 900 a day from HOME https://y.co/2")
    assert one is not None and one == other
    assert spam.campaign_key("where is my order? it is very late now") is None
    assert spam.campaign_key("https://x.co/1 hi") is None  # too few words to call it a campaign
