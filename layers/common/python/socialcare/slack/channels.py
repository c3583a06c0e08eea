"""Which brand a Slack channel serves: its support channel (``slack.channel``) or its
managers' channel (``slack.managers_channel``). Any other channel serves none, even with one
brand configured, so a command typed in a DM or a random channel names no brand."""

from socialcare.config.brands import Brand, BrandDirectory


def brand_of(channel_id: str, brands: BrandDirectory) -> Brand | None:
    for brand in brands.brands.values():
        if brand.slack and channel_id in (brand.slack.channel, brand.slack.managers_channel):
            return brand
    return None
