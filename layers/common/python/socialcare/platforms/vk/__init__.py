"""VK Callback API (version 5.199)."""
