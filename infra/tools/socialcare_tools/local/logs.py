"""Function output (Powertools JSON logs, EMF metric lines) goes to one file per function,
as it would go to CloudWatch, so the terminal keeps the demo's timeline readable.

``sys.stdout`` becomes a stream that sends what a thread writes while it runs a function
to that function's file, and everything else to the real terminal.
"""

import io
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO


class RoutedStdout(io.TextIOBase):
    def __init__(self, terminal: TextIO) -> None:
        self.terminal = terminal
        self._local = threading.local()

    def _target(self) -> TextIO:
        return getattr(self._local, "target", None) or self.terminal

    def write(self, text: str) -> int:
        return self._target().write(text)

    def flush(self) -> None:
        self._target().flush()

    @contextmanager
    def to(self, target: TextIO) -> Iterator[None]:
        previous = getattr(self._local, "target", None)
        self._local.target = target
        try:
            yield
        finally:
            self._local.target = previous


class FunctionLogs:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self.files: dict[str, TextIO] = {}
        self.terminal = sys.stdout
        self.stream = RoutedStdout(self.terminal)

    def install(self) -> None:
        sys.stdout = self.stream

    def adopt_handlers(self, logger: Any) -> None:
        """Powertools' handler kept the stdout of import time: point it at the router."""
        for handler in getattr(logger, "handlers", []):
            if getattr(handler, "stream", None) in (self.terminal, sys.__stdout__):
                handler.setStream(self.stream)

    def of(self, function: str) -> TextIO:
        if function not in self.files:
            # Line by line: another process (the queue consumers) or a reader may be watching.
            self.files[function] = (self.directory / f"{function}.log").open(
                "a", encoding="utf-8", buffering=1
            )
        return self.files[function]

    def uninstall(self) -> None:
        if sys.stdout is self.stream:
            sys.stdout = self.terminal
        for file in self.files.values():
            file.close()
        self.files.clear()
