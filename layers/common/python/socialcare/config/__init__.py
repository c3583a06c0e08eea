"""Brand configuration: what a support team edits without touching code."""

from socialcare.config.brands import Account, Brand, BrandDirectory, load_brands

__all__ = ["Account", "Brand", "BrandDirectory", "load_brands"]
