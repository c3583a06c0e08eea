"""policies.yaml: which targets a conversation gets, and the errors a support lead sees."""

from datetime import timedelta
from pathlib import Path

import pytest

from socialcare.config import load_brands
from socialcare.config.policies import load_policies
from socialcare.errors import ConfigurationError
from socialcare.models.common import ChannelType, Platform
from tests.conftest import BRANDS_DIR

GOOD = """
calendar: {timezone: Europe/Zagreb, hours: {mon: ["08:00-16:00"]}}
policies:
  - name: vip
    when: {priority: [P1]}
    first_response: 15m
    next_response: 30m
    resolution: 4h
    business_time: false
    escalate_after: [0m, 30m]
default: {first_response: 1h30m, next_response: 2h, resolution: 2d}
"""


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "policies.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def test_the_first_matching_policy_applies_and_the_default_covers_the_rest(
    tmp_path: Path,
) -> None:
    policies = load_policies(write(tmp_path, GOOD))
    name, vip = policies.select(Platform.X, ChannelType.PUBLIC, "P1") or ("", None)
    assert name == "vip" and vip is not None and vip.first_response == timedelta(minutes=15)
    assert policies.calendar_for(vip) is None  # calendar time: counts every hour
    name, default = policies.select(Platform.VK, ChannelType.PRIVATE, "P3") or ("", None)
    assert name == "default" and default is not None
    assert default.first_response == timedelta(hours=1, minutes=30)
    assert policies.calendar_for(default) is policies.calendar
    assert len(policies.version) == 12


def test_the_example_brand_has_valid_policies() -> None:
    acme = load_brands(BRANDS_DIR).brands["acme"]
    assert acme.policies.select(Platform.X, ChannelType.PUBLIC, "P3") is not None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (GOOD.replace("15m", "quarter"), "not a duration"),
        (GOOD.replace("escalate_after: [0m, 30m]", "escalate_after: [1h, 30m]"), "grow tier"),
        (GOOD.replace("resolution: 4h", "resolution: 0m"), "longer than zero"),
        (GOOD.split("default:", maxsplit=1)[0], "need a default"),
        (GOOD.replace("calendar: {", "# calendar: {"), "has no calendar"),
        (GOOD.replace("[P1]", "[P9]"), "when.priority"),
    ],
)
def test_a_bad_policies_file_names_the_problem(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        load_policies(write(tmp_path, text))
