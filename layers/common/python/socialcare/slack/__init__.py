"""Slack: message text and the app's secrets."""
