"""Which accounts belong to which brand, validated when loaded.

Each brand is a folder ``<BRANDS_DIR>/<brand id>/`` holding ``brand.yaml``, and beside
it ``rules.yaml``, ``answers.yaml`` and ``policies.yaml`` (each optional). In Lambda the
folder is the config layer, ``/opt/brands``; in the repository, ``layers/config/brands``.
"""

from collections.abc import Iterable
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from socialcare.config.answers import AnswerBase, load_answers
from socialcare.config.files import read_model
from socialcare.config.policies import BrandPolicies, load_policies
from socialcare.config.rules import BrandRules, load_rules
from socialcare.errors import ConfigurationError
from socialcare.models.common import Platform

BRAND_FILE = "brand.yaml"
Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")]
NumericId = Annotated[str, Field(pattern=r"^[0-9]{1,20}$")]
Address = Annotated[str, Field(pattern=r"^[^@\s<>,]+@[^@\s<>,]+\.[^@\s<>,]+$")]


class Account(BaseModel):
    """One brand presence on a platform: an X account, a VK community, a Facebook Page, an
    Instagram professional account."""

    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)

    id: NumericId = Field(
        description="X: the account's numeric user id; VK: the community id; Facebook: the"
        " Page id; Instagram: the professional account's id"
    )
    handle: str | None = Field(default=None, description="@handle or short name, for people")
    human_agent: bool = Field(
        default=False,
        description="Facebook and Instagram: the app has Meta's human agent permission, so"
        " agents may answer a direct message for 7 days after the customer's last message"
        " (tagged HUMAN_AGENT) instead of 24 hours",
    )


class TelegramBot(Account):
    """The brand's Telegram bot: its id (the digits before the colon of its token) and its
    @username (a group message that mentions it is addressed to the brand)."""

    handle: str = Field(
        pattern=r"^[A-Za-z0-9_]{5,32}$", description="the bot's username, without the @"
    )
    keywords: tuple[Annotated[str, Field(min_length=2, max_length=60)], ...] = Field(
        default=(),
        description="words that address the brand in a group without mentioning the bot"
        " (its names and their spellings): a group message with one of them is kept",
    )
    business_accounts: tuple[
        Annotated[str, Field(pattern=r"^(@?[A-Za-z0-9_]{5,32}|[0-9]{1,20})$")], ...
    ] = Field(
        default=(),
        description="the brand's own Telegram accounts that may connect this bot through"
        " Telegram Business, by user id (safer: a username given up can be taken by someone"
        " else) or @username; any other account's connection is recorded and ignored (anyone"
        " with Telegram Premium can connect any bot to their account)",
    )


class Accounts(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    x: tuple[Account, ...] = ()
    vk: tuple[Account, ...] = ()
    facebook: tuple[Account, ...] = ()  # Pages: their Messenger conversations and comments
    instagram: tuple[Account, ...] = ()
    telegram: tuple[TelegramBot, ...] = ()  # bots (Telegram Business comes through them)


ChannelId = Annotated[str, Field(pattern=r"^[CG][A-Z0-9]{6,20}$")]
TeamId = Annotated[str, Field(pattern=r"^T[A-Z0-9]{6,20}$")]
EnterpriseId = Annotated[str, Field(pattern=r"^E[A-Z0-9]{6,20}$")]
UserId = Annotated[str, Field(pattern=r"^[UW][A-Z0-9]{6,20}$")]
UserGroupId = Annotated[str, Field(pattern=r"^S[A-Z0-9]{6,20}$")]


class SlackChannels(BaseModel):
    """Where the brand's desk lives in Slack, and who may act there (ids, not names: names
    change and can be chosen by anyone).

    Every Slack request is accepted only from the brand's workspace (``team``, and its
    Enterprise Grid organisation when ``enterprise`` is set), in the brand's channels, from
    a member of that workspace (external users of shared channels are refused) and, when
    ``agents_group`` is set, from a member of that user group. Manager-only commands (erasing a
    customer) also need the user in ``managers`` or in ``managers_group``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    team: TeamId = Field(description="the Slack workspace (team) id the desk belongs to")
    enterprise: EnterpriseId | None = Field(
        default=None, description="the Enterprise Grid organisation id, when there is one"
    )
    channel: ChannelId | None = Field(default=None, description="the support channel")
    managers_channel: ChannelId | None = Field(default=None, description="escalations")
    ops_channel: ChannelId | None = Field(
        default=None, description="operations notices: X webhook health, gap fills, read caps"
    )
    agents_group: UserGroupId | None = Field(
        default=None, description="only members of this user group may act at the desk"
    )
    managers: tuple[UserId, ...] = Field(
        default=(), description="user ids allowed manager-only commands (/care forget)"
    )
    managers_group: UserGroupId | None = Field(
        default=None, description="a user group whose members are managers too"
    )


class ReportSettings(BaseModel):
    """Who gets the brand's daily and weekly e-mail reports, and when (brand.yaml ``reports``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sender: str = Field(
        min_length=3, description="From: address, e.g. 'Acme support <reports@acme.example>'"
    )
    recipients: tuple[Address, ...] = Field(min_length=1)
    hour: int = Field(default=8, ge=0, le=23, description="local hour the reports go out")
    daily: bool = True  # at `hour` every day, for the previous day
    weekly: bool = True  # at `hour` on Mondays, for the previous Monday to Sunday
    timezone: str | None = Field(
        default=None, description="IANA zone; default: the policies' calendar, else UTC"
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError) as exc:
                raise ValueError(f"unknown time zone {value!r} (use an IANA name)") from exc
        return value


class XIntake(BaseModel):
    """How the brand's X intake is watched and repaired (brand.yaml ``x``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    silent_after_minutes: int | None = Field(
        default=None,
        ge=5,
        le=10080,
        description="alarm when an X account has had no event for this long (None: no alarm)",
    )
    daily_read_cap: int = Field(
        default=500,
        ge=0,
        le=1_000_000,
        description="X posts and DM events a gap fill may read per day (paid reads); 0: none",
    )
    replay: bool = Field(
        default=False, description="the X plan allows the webhook replay endpoint for gap fills"
    )


class Brand(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Slug
    name: str = Field(min_length=1)
    accounts: Accounts
    slack: SlackChannels | None = None
    reports: ReportSettings | None = None
    x: XIntake = Field(default_factory=XIntake)
    retention_days: int = Field(
        default=365,
        ge=1,
        le=3650,
        description="days a closed conversation (resolved or spam) is kept, then it expires",
    )
    rules: BrandRules = Field(default_factory=BrandRules, exclude=True)  # from rules.yaml
    answers: AnswerBase = Field(default_factory=AnswerBase, exclude=True)  # from answers.yaml
    policies: BrandPolicies = Field(default_factory=BrandPolicies, exclude=True)  # policies.yaml

    @property
    def zone(self) -> ZoneInfo:
        """The brand's time zone: its reports' setting, its business calendar's, else UTC."""
        name = (self.reports.timezone if self.reports else None) or (
            self.policies.calendar.timezone if self.policies.calendar else None
        )
        return ZoneInfo(name or "UTC")

    @model_validator(mode="after")
    def _has_an_account(self) -> "Brand":
        a = self.accounts
        if not (a.x or a.vk or a.facebook or a.instagram):
            raise ValueError(
                "a brand needs at least one account under accounts.x, vk, facebook or instagram"
            )
        return self


class BrandDirectory:
    """All brands, with the lookup every webhook needs: which brand owns this account."""

    def __init__(self, brands: Iterable[Brand]) -> None:
        self.brands: dict[str, Brand] = {}
        self._owners: dict[tuple[Platform, str], Brand] = {}
        self._accounts: dict[tuple[Platform, str], Account] = {}
        for brand in brands:
            if brand.id in self.brands:
                raise ConfigurationError(f"brand id {brand.id!r} is used twice")
            self.brands[brand.id] = brand
            for platform, accounts in (
                (Platform.X, brand.accounts.x),
                (Platform.VK, brand.accounts.vk),
                (Platform.MESSENGER, brand.accounts.facebook),
                (Platform.FACEBOOK, brand.accounts.facebook),
                (Platform.INSTAGRAM, brand.accounts.instagram),
                (Platform.TELEGRAM, brand.accounts.telegram),
            ):
                for account in accounts:
                    owner = self._owners.setdefault((platform, account.id), brand)
                    self._accounts[(platform, account.id)] = account
                    if owner is not brand:
                        raise ConfigurationError(
                            f"{platform} account {account.id} belongs to both "
                            f"{owner.id!r} and {brand.id!r}"
                        )

    def owner_of(self, platform: Platform, account_id: str) -> Brand | None:
        return self._owners.get((platform, account_id))

    def account_of(self, platform: Platform, account_id: str) -> Account | None:
        return self._accounts.get((platform, account_id))


def load_brand(path: Path) -> Brand:
    brand = read_model(path, Brand, "brand configuration", required=True)
    if brand.id != path.parent.name:
        raise ConfigurationError(
            f"{path}: id: {brand.id!r} must match its folder name {path.parent.name!r}"
        )
    return brand.model_copy(
        update={
            "rules": load_rules(path.parent),
            "answers": load_answers(path.parent),
            "policies": load_policies(path.parent),
        }
    )


def load_brands(directory: Path) -> BrandDirectory:
    files = sorted(directory.glob(f"*/{BRAND_FILE}"))
    if not files:
        raise ConfigurationError(f"{directory}: no brands (expected <brand>/{BRAND_FILE})")
    return BrandDirectory(load_brand(path) for path in files)
