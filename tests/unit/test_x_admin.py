"""The X webhook and subscription adapter at the HTTP boundary: X's answers, good and bad."""

import pytest
import requests
import responses

from socialcare.adapters.x_admin import (
    X_API_URL,
    XAdmin,
    XPermissionDenied,
    XRateLimited,
    XRequestRefused,
    XUnavailable,
    XUnexpectedResponse,
)

WEBHOOKS = f"{X_API_URL}/2/webhooks"
SUBSCRIPTIONS = f"{X_API_URL}/2/activity/subscriptions"
HOOK = {"id": "1", "url": "https://desk.example/webhooks/x", "valid": False}


@responses.activate
def test_webhooks_are_read_with_their_valid_flag_and_the_app_token() -> None:
    responses.get(WEBHOOKS, json={"data": [HOOK], "meta": {"result_count": 1}})
    [hook] = XAdmin("app-token").webhooks()
    assert hook.valid is False and hook.id == "1"
    assert responses.calls[0].request.headers["Authorization"] == "Bearer app-token"


@responses.activate
def test_a_token_read_at_each_call_follows_a_rotation() -> None:
    """The health function lives on between runs: it reads the app token from the secrets
    cache at each call to X, so a token rotated in Secrets Manager is picked up."""
    responses.get(WEBHOOKS, json={"data": [HOOK]})
    tokens = iter(["before-rotation", "after-rotation"])
    admin = XAdmin(lambda: next(tokens))
    admin.webhooks()
    admin.webhooks()
    sent = [call.request.headers["Authorization"] for call in responses.calls]
    assert sent == ["Bearer before-rotation", "Bearer after-rotation"]


@responses.activate
def test_no_webhooks_at_all_is_an_empty_list() -> None:
    responses.get(WEBHOOKS, json={"meta": {"result_count": 0}})
    assert XAdmin("t").webhooks() == []


@responses.activate
def test_a_webhook_without_a_valid_flag_fails_loudly() -> None:
    responses.get(WEBHOOKS, json={"data": [{"id": "1", "url": "https://d.example/x"}]})
    with pytest.raises(XUnexpectedResponse, match="expected Webhook; wrong: valid"):
        XAdmin("t").webhooks()


@responses.activate
def test_a_revalidation_answer_of_another_shape_fails_loudly() -> None:
    responses.put(f"{WEBHOOKS}/1", json={"data": {"valid": True}})
    with pytest.raises(XUnexpectedResponse, match="attempted"):
        XAdmin("t").revalidate("1")


@responses.activate
def test_both_documented_shapes_of_a_created_subscription_are_read() -> None:
    row = {"subscription_id": "9", "event_type": "dm.received", "filter": {"user_id": "42"}}
    responses.post(SUBSCRIPTIONS, json={"data": row})
    responses.post(SUBSCRIPTIONS, json={"data": [row], "meta": {"total_subscriptions": 1}})
    admin = XAdmin("app")
    for _ in range(2):
        made = admin.subscribe("dm.received", "42", webhook_id="1", tag="t", user_token="user")
        assert made.subscription_id == "9"
    assert responses.calls[0].request.headers["Authorization"] == "Bearer user"


@responses.activate
def test_401_and_403_say_which_token_lacks_the_permission() -> None:
    responses.post(SUBSCRIPTIONS, status=403, json={"title": "Forbidden", "detail": "private"})
    responses.get(WEBHOOKS, status=401, json={"title": "Unauthorized", "detail": "Unauthorized"})
    admin = XAdmin("app")
    with pytest.raises(XPermissionDenied, match=r"OAuth 2\.0 user token lacks the permission"):
        admin.subscribe("dm.received", "42", webhook_id="1", tag="t", user_token="user")
    with pytest.raises(XPermissionDenied, match="app's bearer token lacks the permission"):
        admin.webhooks()


@responses.activate
def test_429_carries_x_reset_time() -> None:
    responses.get(WEBHOOKS, status=429, headers={"x-rate-limit-reset": "1800000000"}, json={})
    with pytest.raises(XRateLimited) as raised:
        XAdmin("t").webhooks()
    assert raised.value.reset_at == 1800000000.0


@responses.activate
def test_5xx_and_no_answer_are_unavailable_other_4xx_are_refusals() -> None:
    responses.get(WEBHOOKS, status=503, body="")
    responses.get(SUBSCRIPTIONS, body=requests.ConnectionError("reset"))
    responses.post(WEBHOOKS, status=400, json={"errors": [{"message": "DuplicateUrlFailed"}]})
    admin = XAdmin("t")
    with pytest.raises(XUnavailable, match="503"):
        admin.webhooks()
    with pytest.raises(XUnavailable, match="unreachable"):
        admin.subscriptions()
    with pytest.raises(XRequestRefused, match="DuplicateUrlFailed"):
        admin.register("https://d.example/x")


@responses.activate
def test_a_delete_that_does_not_say_deleted_fails_loudly() -> None:
    responses.delete(f"{SUBSCRIPTIONS}/9", json={"data": {}})
    with pytest.raises(XUnexpectedResponse, match="deleted"):
        XAdmin("t").unsubscribe("9")
