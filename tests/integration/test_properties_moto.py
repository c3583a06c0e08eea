"""Mutated X deliveries against the real adapters on moto: what the fake store accepts must
also be storable for real (serialisation, number and time ranges), or be refused with a 4xx."""

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from functions.ingest_x import app as ingest_x
from socialcare.services.x_webhook import XWebhookDeps
from socialcare_tools import local_secrets as local
from socialcare_tools.apigw import json_bytes, x_delivery
from socialcare_tools.template_resources import Backbone
from tests.conftest import LambdaContext
from tests.support.mutations import DELIBERATE, X_SAMPLES, mutated

pytestmark = pytest.mark.integration


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(payload=mutated(X_SAMPLES))
def test_mutated_deliveries_never_get_a_5xx_from_the_real_store(
    payload: Any, backbone: Backbone, x_live: XWebhookDeps
) -> None:
    event = x_delivery(json_bytes(payload), local.X_CONSUMER_SECRET)
    response = ingest_x.lambda_handler(event, LambdaContext(), deps=x_live)
    assert response["statusCode"] in DELIBERATE, response
