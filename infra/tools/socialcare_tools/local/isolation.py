"""What one process must keep apart when it runs invocations of different functions at the
same time, each of which Lambda would run in its own process.

- Environment variables: functions share names (TABLE_NAME, POWERTOOLS_SERVICE_NAME), so
  ``os.environ`` becomes a mapping in which each thread sees the process's variables
  overlaid with those of the function it is running.
- Powertools state that is per process in Lambda but one object here: the shared Logger's
  service and appended keys, and the metrics that ``log_metrics`` flushes at the end of an
  invocation (Powertools keeps them in dictionaries shared by every Metrics instance). Those
  attributes become per thread, so an invocation flushes its own metrics under its own
  service and namespace, and logs with its own keys.
"""

import copy
import os
import threading
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from typing import Any


class ThreadEnviron(MutableMapping[str, str]):
    def __init__(self, process: MutableMapping[str, str]) -> None:
        self.process = process
        self._local = threading.local()

    def _overlay(self) -> dict[str, str] | None:
        overlay: dict[str, str] | None = getattr(self._local, "overlay", None)
        return overlay

    @contextmanager
    def overlaid(self, values: dict[str, str]) -> Iterator[None]:
        """This thread sees ``values`` over the process's variables, and its writes stay in
        its overlay, until the block ends."""
        previous = self._overlay()
        self._local.overlay = dict(values)
        try:
            yield
        finally:
            self._local.overlay = previous

    def __getitem__(self, key: str) -> str:
        overlay = self._overlay()
        if overlay is not None and key in overlay:
            return overlay[key]
        return self.process[key]

    def __setitem__(self, key: str, value: str) -> None:
        overlay = self._overlay()
        if overlay is not None:
            overlay[key] = value
        else:
            self.process[key] = value

    def __delitem__(self, key: str) -> None:
        overlay = self._overlay()
        if overlay is not None and key in overlay:
            del overlay[key]
        else:
            del self.process[key]

    def __iter__(self) -> Iterator[str]:
        overlay = self._overlay() or {}
        yield from overlay
        yield from (key for key in self.process if key not in overlay)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def copy(self) -> dict[str, str]:
        return dict(self)

    # What os.environ offers beyond a MutableMapping (``os.environ | {...}``, ``|=``).
    def __or__(self, other: Any) -> dict[str, str]:
        return dict(self) | dict(other)

    def __ror__(self, other: Any) -> dict[str, str]:
        return dict(other) | dict(self)

    def __ior__(self, other: Any) -> "ThreadEnviron":
        self.update(other)
        return self


def install_environ() -> ThreadEnviron:
    """Idempotent; ``uninstall_environ`` puts the process's own mapping back."""
    if not isinstance(os.environ, ThreadEnviron):
        # Replaced, not cleared: the same variables, seen through per-thread overlays.
        os.environ = ThreadEnviron(os.environ)  # type: ignore[assignment]  # noqa: B003
    environ = os.environ
    assert isinstance(environ, ThreadEnviron)
    return environ


def uninstall_environ() -> None:
    if isinstance(os.environ, ThreadEnviron):
        os.environ = os.environ.process  # type: ignore[assignment]  # noqa: B003


def per_thread(target: Any, names: tuple[str, ...]) -> None:
    """Each thread gets its own value of ``target``'s attributes ``names``, starting from a
    copy of the value they had when this was called. Idempotent."""
    if getattr(type(target), "_per_thread", None) is not None:
        return
    initial = {name: copy.deepcopy(getattr(target, name, None)) for name in names}
    local = threading.local()

    def attribute(name: str) -> property:
        def get(_: Any) -> Any:
            values = local.__dict__.setdefault("values", {})
            if name not in values:
                values[name] = copy.deepcopy(initial[name])
            return values[name]

        def set_(_: Any, value: Any) -> None:
            local.__dict__.setdefault("values", {})[name] = value

        return property(get, set_)

    namespace: dict[str, Any] = {name: attribute(name) for name in names}
    namespace["_per_thread"] = names
    target.__class__ = type(f"PerThread{type(target).__name__}", (type(target),), namespace)


def isolate_powertools(logger: Any, metrics: Any) -> None:
    per_thread(
        metrics.provider,
        (
            "metric_set",
            "dimension_set",
            "metadata_set",
            "default_dimensions",
            "namespace",
            "service",
            "timestamp",
        ),
    )
    per_thread(logger, ("service", "_default_log_keys"))
    per_thread(logger.registered_formatter, ("log_format",))
