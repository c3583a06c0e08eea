"""Who wrote a direct message on Messenger or Instagram: Meta's webhooks carry only the
customer's id scoped to the Page or account, so the desk reads their profile once, when the
conversation's card is first drawn (Messenger's user profile: ``first_name``,
``last_name``; Instagram's: ``name``, ``username``), with the account's token from the
publishing secret. A failure costs only the name: the card is drawn with the id."""

from collections.abc import Callable
from typing import Any

import requests  # type: ignore[import-untyped, unused-ignore]
from pydantic import BaseModel, ConfigDict, ValidationError

from socialcare.adapters.meta_graph import bearer, graph_session, graph_url
from socialcare.models.common import Platform
from socialcare.models.message import Customer
from socialcare.observability import MetricUnit, logger, metrics
from socialcare.platforms.meta.payloads import Username
from socialcare.platforms.parsing import SafeText
from socialcare.platforms.publishing import PublishingSecrets

FIELDS = {
    Platform.MESSENGER: "first_name,last_name",
    Platform.INSTAGRAM: "name,username",
}


class _Profile(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    first_name: SafeText | None = None
    last_name: SafeText | None = None
    name: SafeText | None = None
    username: Username | None = None


class MetaProfiles:
    def __init__(
        self, secrets: Callable[[], PublishingSecrets], base_url: str | None = None
    ) -> None:
        self._secrets = secrets
        self._session = graph_session(base_url)

    def look_up(self, platform: Platform, account: str, customer_id: str) -> Customer | None:
        fields = FIELDS.get(platform)
        keys = self._secrets().meta.get(account)
        if fields is None or keys is None or not customer_id.isdigit():
            return None
        try:
            response = self._session.get(
                graph_url(keys, customer_id), params={"fields": fields}, headers=bearer(keys)
            )
            found = _Profile.model_validate(response.json()) if response.ok else None
        except (requests.RequestException, ValueError, ValidationError) as exc:
            found = None
            logger.warning("profile not read", extra={"error": type(exc).__name__})
        if found is None:
            metrics.add_metric(name="ProfileNotRead", unit=MetricUnit.Count, value=1)
            return None
        return _customer(customer_id, found)


def _customer(customer_id: str, profile: _Profile) -> Customer | None:
    parts: list[Any] = [profile.first_name, profile.last_name]
    name = profile.name or " ".join(p for p in parts if p) or None
    if name is None and profile.username is None:
        return None
    url = f"https://www.instagram.com/{profile.username}/" if profile.username else None
    return Customer(id=customer_id, name=name, handle=profile.username, profile_url=url)
