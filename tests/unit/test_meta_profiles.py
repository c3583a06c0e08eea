"""Meta's profile read for a direct message's card, at the HTTP boundary (``responses``):
what is asked, what becomes the customer, and that a failure costs only the name."""

import pytest
import requests
import responses

from socialcare.adapters.meta_graph import GRAPH_VERSION
from socialcare.adapters.meta_profiles import MetaProfiles
from socialcare.models.common import Platform
from socialcare.platforms.publishing import PublishingSecrets
from socialcare_tools import local_secrets as local

FACEBOOK = f"https://graph.facebook.com/{GRAPH_VERSION}"
PROFILES = MetaProfiles(lambda: PublishingSecrets.model_validate(local.PUBLISHING_SECRET_VALUE))


@responses.activate
def test_a_messenger_customer_gets_their_name() -> None:
    responses.get(
        f"{FACEBOOK}/6100000000000042",
        json={"first_name": "Claire", "last_name": "Dubois", "id": "6100000000000042"},
    )
    found = PROFILES.look_up(Platform.MESSENGER, local.META_PAGE_ID, "6100000000000042")
    assert found is not None and found.name == "Claire Dubois" and found.handle is None
    request = responses.calls[0].request
    assert "fields=first_name%2Clast_name" in str(request.url)
    assert "token" not in str(request.url)  # the bearer header only


@responses.activate
def test_an_instagram_customer_gets_their_username_and_profile_link() -> None:
    responses.get(
        f"{FACEBOOK}/9100000000000042",
        json={"name": "Lucía G.", "username": "lucia.g", "id": "9100000000000042"},
    )
    found = PROFILES.look_up(Platform.INSTAGRAM, local.META_INSTAGRAM_ID, "9100000000000042")
    assert found is not None and found.handle == "lucia.g"
    assert found.profile_url == "https://www.instagram.com/lucia.g/"


@pytest.mark.parametrize(
    "answer",
    [
        {"json": {"error": {"code": 100, "error_subcode": 33, "message": "x"}}, "status": 400},
        {"body": "<html>bad gateway</html>", "status": 502},
        {"json": {"username": "not a username <script>"}},  # not Instagram's alphabet
        {"json": {"id": "9100000000000042"}},  # no name at all
        {"body": requests.ConnectionError("reset")},
    ],
)
@responses.activate
def test_anything_but_a_profile_costs_only_the_name(answer: dict[str, object]) -> None:
    responses.get(f"{FACEBOOK}/9100000000000042", **answer)  # type: ignore[arg-type]
    found = PROFILES.look_up(Platform.INSTAGRAM, local.META_INSTAGRAM_ID, "9100000000000042")
    assert found is None


def test_no_token_or_no_profile_api_reads_nothing() -> None:
    assert PROFILES.look_up(Platform.MESSENGER, "999", "6100000000000042") is None
    assert PROFILES.look_up(Platform.X, local.META_PAGE_ID, "1") is None
    assert PROFILES.look_up(Platform.MESSENGER, local.META_PAGE_ID, "../me/accounts") is None
