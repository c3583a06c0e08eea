"""Setting environment variables for a while, then putting back exactly what was there."""

import os


class EnvironmentSwap:
    """``apply()`` sets the values, ``restore()`` puts back each one's previous value (or its
    absence); usable as a ``with`` block too."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values = values
        self.saved: dict[str, str | None] = {}

    def apply(self) -> None:
        self.saved = {k: os.environ.get(k) for k in self.values}
        os.environ.update(self.values)

    def restore(self) -> None:
        for key, old in self.saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old
        self.saved = {}

    def __enter__(self) -> None:
        self.apply()

    def __exit__(self, *_: object) -> None:
        self.restore()
