"""``python -m socialcare.config [DIR]``: validate every brand; exit 1 naming the bad field."""

import sys
from pathlib import Path

from socialcare.config.brands import load_brands
from socialcare.errors import ConfigurationError

DEFAULT_DIR = Path("layers/config/brands")


def main(argv: list[str]) -> int:
    directory = Path(argv[0]) if argv else DEFAULT_DIR
    try:
        brands = load_brands(directory)
    except ConfigurationError as exc:
        print(exc, file=sys.stderr)
        return 1
    for brand in brands.brands.values():
        accounts = sum(len(found) for _, found in brand.accounts)  # every platform's
        print(f"ok  {brand.id}: {brand.name} ({accounts} accounts)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
