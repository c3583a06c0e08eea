"""X (Twitter) Account Activity API webhooks."""
