"""The secrets of the local stack and the sample events. Never used in a deployed stack."""

X_ACCOUNT_ID = "1500000000000000001"  # AcmeSupport in layers/config/brands/acme
X_CONSUMER_SECRET = "local-x-consumer-secret"
VK_GROUP_ID = 218000000
VK_CONFIRMATION = "c0nf1rm-l0cal"
VK_SECRET = "local-vk-secret"

X_SECRET_VALUE = {"consumer_secret": X_CONSUMER_SECRET}
VK_SECRET_VALUE = {
    "communities": {str(VK_GROUP_ID): {"confirmation": VK_CONFIRMATION, "secret": VK_SECRET}}
}
