"""The secrets of the local stack and the sample events. Never used in a deployed stack."""

X_ACCOUNT_ID = "1500000000000000001"  # AcmeSupport in layers/config/brands/acme
X_CONSUMER_SECRET = "local-x-consumer-secret"
VK_GROUP_ID = 218000000
VK_CONFIRMATION = "c0nf1rm-l0cal"
VK_SECRET = "local-vk-secret"
META_PAGE_ID = "104000000000001"  # acme's Facebook Page
META_INSTAGRAM_ID = "17841400000000001"  # acme's Instagram account
META_APP_SECRET = "local-meta-app-secret"
META_VERIFY_TOKEN = "local-meta-verify-token"
TELEGRAM_BOT_ID = "7400000001"  # acme's @AcmeSupportBot
TELEGRAM_BOT_TOKEN = f"{TELEGRAM_BOT_ID}:local-telegram-bot-token"
TELEGRAM_SECRET_TOKEN = "local-telegram-webhook-secret-token-0001"

SLACK_BOT_TOKEN = "xoxb-local-bot-token"
SLACK_SIGNING_SECRET = "local-slack-signing-secret"

# X API tokens: the app's bearer token (webhooks, public events, gap-fill reads and replays)
# and each support account's OAuth 2.0 user token (private events: mentions, DMs, chats); the
# X stand-in checks kinds.
X_BEARER_TOKEN = "local-x-app-bearer-token"
X_USER_TOKENS = {"local-x-oauth2-user-token-acmesupport": X_ACCOUNT_ID}  # token -> user id

X_SECRET_VALUE = {
    "consumer_secret": X_CONSUMER_SECRET,
    "bearer_token": X_BEARER_TOKEN,
    "accounts": {user: {"oauth2_user_token": token} for token, user in X_USER_TOKENS.items()},
}
SLACK_SECRET_VALUE = {"bot_token": SLACK_BOT_TOKEN, "signing_secret": SLACK_SIGNING_SECRET}
VK_SECRET_VALUE = {
    "communities": {str(VK_GROUP_ID): {"confirmation": VK_CONFIRMATION, "secret": VK_SECRET}}
}
META_APP_ID = "1517000000000000"  # its echoes are our own sends
META_SECRET_VALUE = {
    "app_secret": META_APP_SECRET,
    "verify_token": META_VERIFY_TOKEN,
    "app_id": META_APP_ID,
}

TELEGRAM_SECRET_VALUE = {
    "bots": {TELEGRAM_BOT_ID: {"token": TELEGRAM_BOT_TOKEN, "secret_token": TELEGRAM_SECRET_TOKEN}}
}

# The stand-ins check that credentials are present, never their values.
PUBLISHING_SECRET_VALUE = {
    "x": {
        X_ACCOUNT_ID: {
            "consumer_key": "local-x-consumer-key",
            "consumer_secret": X_CONSUMER_SECRET,
            "access_token": "local-x-access-token",
            "access_token_secret": "local-x-access-token-secret",
        }
    },
    "vk": {str(VK_GROUP_ID): {"token": "local-vk-community-token"}},
    "meta": {
        META_PAGE_ID: {"token": "local-meta-page-token"},
        META_INSTAGRAM_ID: {"token": "local-meta-page-token"},  # linked to the Page
    },
}
