"""Telegram: a brand's bot in private chats, groups and its channel's discussion group, and
Telegram Business chats its bot answers for the brand's own account (docs/platforms-telegram.md)."""
