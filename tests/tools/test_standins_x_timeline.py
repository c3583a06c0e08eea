"""The X stand-in's mentions timeline and replay endpoint answer as X does, to a real
tweepy client and to plain HTTP."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
import tweepy

from socialcare_tools.local.standins import StandIns, x_client

ACCOUNT = "1500000000000000001"
T0 = datetime(2026, 12, 4, 11, 0, tzinfo=UTC)


@pytest.fixture
def standins() -> Iterator[StandIns]:
    with StandIns() as running:
        for n in range(12):
            at = (T0 + timedelta(minutes=n)).isoformat().replace("+00:00", "Z")
            post = {
                "id": str(100 + n),
                "text": f"@AcmeSupport {n}",
                "author_id": str(900 + n % 3),
                "created_at": at,
            }
            running.x.timeline.add_mention(
                ACCOUNT, post, {"id": str(900 + n % 3), "username": f"u{n % 3}"}
            )
        yield running


def mentions(standins: StandIns, **params: Any) -> Any:
    client = x_client(standins.x_url, bearer_token="local", return_type=dict)
    return client.get_users_mentions(ACCOUNT, **params)


def test_pages_newest_first_within_the_window_with_their_authors(standins: StandIns) -> None:
    first = mentions(
        standins,
        start_time=T0 + timedelta(minutes=2),
        end_time=T0 + timedelta(minutes=9),
        max_results=5,
    )
    assert [p["id"] for p in first["data"]] == ["109", "108", "107", "106", "105"]
    assert {u["id"] for u in first["includes"]["users"]} == {"900", "901", "902"}
    second = mentions(
        standins,
        start_time=T0 + timedelta(minutes=2),
        end_time=T0 + timedelta(minutes=9),
        max_results=5,
        pagination_token=first["meta"]["next_token"],
    )
    assert [p["id"] for p in second["data"]] == ["104", "103", "102"]
    assert "next_token" not in second["meta"]
    assert (
        mentions(standins, until_id="103", since_id="100", max_results=5)["meta"]["result_count"]
        == 2
    )
    assert standins.x.timeline.reads_served == 10


def test_out_of_range_pages_and_bad_replays_are_refused_as_x_refuses_them(
    standins: StandIns,
) -> None:
    with pytest.raises(tweepy.BadRequest, match="between 5 and 100"):
        mentions(standins, max_results=4)
    replay = f"{standins.x_url}/2/webhooks/replay"
    auth = {"Authorization": "Bearer local"}
    body = {
        "webhook_id": standins.x.timeline.webhook_id,
        "from_date": "2026-12-04",
        "to_date": "202612041130",
    }
    assert requests.post(replay, json=body, headers=auth, timeout=5).status_code == 400
    body |= {"from_date": "202612041100", "webhook_id": "1"}
    assert requests.post(replay, json=body, headers=auth, timeout=5).status_code == 404
    assert requests.post(replay, json=body, timeout=5).status_code == 401
    assert standins.x.timeline.reads_served == 0
