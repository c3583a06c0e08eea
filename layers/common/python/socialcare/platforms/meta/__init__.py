"""Meta's platforms: a Facebook Page (Messenger conversations, comments on its posts) and
an Instagram professional account (direct messages, comments, mentions), delivered by one
Meta app's webhooks."""
