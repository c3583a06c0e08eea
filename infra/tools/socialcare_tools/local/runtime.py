"""An in-process Lambda runtime: our handlers, with the environment the template gives
each function, on the event shapes AWS sends.

Invocations run side by side, as in Lambda, each function within its concurrency: the
template's ``ReservedConcurrentExecutions`` where it sets one, else DEFAULT_CONCURRENCY.
Each concurrent invocation of a function gets an execution environment of its own, as
Lambda gives it: its own copy of the handler's module (module-level state such as a batch
processor or a cached set of clients is never shared by two invocations at once), reused
by the next invocation once it is free. Environment variables and Powertools' per-process
state are kept per thread (socialcare_tools.local.isolation).
Lambda invocations that the embedded AWS makes (Step Functions ``lambda:invoke``, the Invoke
API, SNS → Lambda) reach ``invoke_from_aws`` through the invocation endpoint
(socialcare_tools.local.invocations).
"""

import importlib.util
import json
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from socialcare_tools.local import isolation
from socialcare_tools.local.deploy import FunctionSpec
from socialcare_tools.local.logs import FunctionLogs
from socialcare_tools.local.parked_waits import WaitScheduler

Handler = Callable[[dict[str, Any], Any], Any]
ASYNC_RETRIES = 2  # Lambda retries an asynchronous invocation twice
# A function the template gives no reserved concurrency. Lambda would run far more, but
# here every invocation shares one interpreter (one core's worth of Python): more at once
# only adds switching, while two keep one slow invocation from holding up the next.
DEFAULT_CONCURRENCY = 2
ASYNC_WORKERS = 4  # asynchronous invocations (SNS, Bolt's lazy listeners) run at once


@dataclass
class LambdaContext:
    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int = 512
    function_version: str = "$LATEST"
    aws_request_id: str = ""
    deadline_ms: int = 0

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self.deadline_ms - int(time.time() * 1000))


@dataclass
class Invocation:
    function: str
    ok: bool
    result: Any
    error: str | None
    seconds: float


class Environments:
    """The execution environments of one function: at most ``limit`` invocations at once,
    each on an environment (a loaded handler) that no other invocation is using."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._slots = threading.BoundedSemaphore(limit)
        self._lock = threading.Lock()
        self.idle: list[Handler] = []
        self.created = 0
        self.running = 0
        self.waiting = 0
        self.peak = 0

    def acquire(self) -> None:
        with self._lock:
            self.waiting += 1
        self._slots.acquire()
        with self._lock:
            self.waiting -= 1
            self.running += 1
            self.peak = max(self.peak, self.running)

    def release(self) -> None:
        with self._lock:
            self.running -= 1
        self._slots.release()

    def take(self) -> Handler | None:
        with self._lock:
            return self.idle.pop() if self.idle else None

    def give_back(self, handler: Handler) -> None:
        with self._lock:
            self.idle.append(handler)


class LocalRuntime:
    def __init__(
        self, functions: dict[str, FunctionSpec], logs: FunctionLogs | None = None
    ) -> None:
        self.logs = logs
        self.functions = {spec.logical_id: spec for spec in functions.values()}
        self.by_name = {spec.name: spec for spec in functions.values()}
        self.environments = {
            spec.logical_id: Environments(spec.reserved_concurrency or DEFAULT_CONCURRENCY)
            for spec in functions.values()
        }
        self._loading = threading.Lock()
        self.listeners: list[Callable[[Invocation], None]] = []
        self.environ = isolation.install_environ()
        self.async_invocations = WaitScheduler(workers=ASYNC_WORKERS)
        observability = sys.modules.get("socialcare.observability")
        if observability is not None:
            isolation.isolate_powertools(observability.logger, observability.metrics)

    def handler(self, spec: FunctionSpec) -> Handler:
        """Load a function's first execution environment now (a broken function fails here)."""
        environments = self.environments[spec.logical_id]
        if environments.created == 0:
            environments.give_back(self._load_environment(spec))
        return environments.idle[-1] if environments.idle else self._load_environment(spec)

    def _load_environment(self, spec: FunctionSpec) -> Handler:
        environments = self.environments[spec.logical_id]
        module_name, _, attribute = spec.handler.rpartition(".")
        path = spec.code_dir / f"{module_name.replace('.', '/')}.py"
        with self._loading:
            number = environments.created
            environments.created += 1
        # Unique module names: every function's handler file is called app.py, and each
        # environment of a function has its own copy of it.
        unique = f"fn_{spec.logical_id}" + (f"_{number}" if number else "")
        with self._environment(spec):
            module = self._load(unique, path)
            observability = sys.modules.get("socialcare.observability")
            if observability is not None:  # the handler may be the first to import it
                isolation.isolate_powertools(observability.logger, observability.metrics)
        if self.logs is not None:
            self.logs.adopt_handlers(getattr(module, "logger", None))
        handler: Handler = getattr(module, attribute)
        return handler

    @staticmethod
    def _load(unique_name: str, path: Any) -> ModuleType:
        spec = importlib.util.spec_from_file_location(unique_name, path)
        assert spec is not None and spec.loader is not None, path
        module = importlib.util.module_from_spec(spec)
        sys.modules[unique_name] = module
        spec.loader.exec_module(module)
        return module

    def _environment(self, spec: FunctionSpec) -> Any:
        return self.environ.overlaid(spec.environment | {"AWS_LAMBDA_FUNCTION_NAME": spec.name})

    def invoke(self, logical_id: str, event: dict[str, Any]) -> Invocation:
        """Run one invocation; an exception is returned as a failed Invocation, not raised.
        Waits while the function already runs as many invocations as its concurrency."""
        spec = self.functions[logical_id]
        environments = self.environments[logical_id]
        context = LambdaContext(
            function_name=spec.name,
            invoked_function_arn=f"arn:aws:lambda:eu-west-1:123456789012:function:{spec.name}",
            aws_request_id=str(uuid.uuid4()),
            deadline_ms=int(time.time() * 1000) + spec.timeout * 1000,
        )
        environments.acquire()
        try:
            handler = environments.take() or self._load_environment(spec)
            started = time.perf_counter()
            output = self.logs.stream.to(self.logs.of(logical_id)) if self.logs else nullcontext()
            with self._environment(spec), output:
                _apply_powertools_settings(spec.environment)
                try:
                    result, ok, error = handler(event, context), True, None
                except Exception as exc:
                    result, ok, error = None, False, f"{type(exc).__name__}: {exc}"
                    traceback.print_exc(file=sys.stdout)
            outcome = Invocation(logical_id, ok, result, error, time.perf_counter() - started)
            environments.give_back(handler)
        finally:
            environments.release()
        for listener in self.listeners:
            listener(outcome)
        return outcome

    def invoke_async(self, logical_id: str, payload: dict[str, Any]) -> None:
        """An asynchronous invocation: tried, then retried twice, as Lambda does."""
        for _ in range(1 + ASYNC_RETRIES):
            if self.invoke(logical_id, payload).ok:
                return

    def invoke_from_aws(self, function_name: str, event: bytes) -> tuple[str, bool, str]:
        """A Lambda invocation the embedded AWS makes (a Step Functions task, SNS, the Invoke
        API), answered as moto's runner answers: (payload, errored, logs)."""
        payload = json.loads(event) if event else {}
        spec = self.by_name.get(function_name)
        if spec is None:
            return json.dumps({"errorMessage": f"no local function {function_name}"}), True, ""
        if _from_sns(payload) or _lazy_listener(payload):
            # SNS invokes Lambda asynchronously, and so does Bolt for a lazy listener
            # (InvocationType=Event): answered at once and queued for a bounded pool, as
            # Lambda queues an async event, never run while the caller waits.
            logical_id = spec.logical_id
            self.async_invocations.submit(lambda: self.invoke_async(logical_id, payload))
            return json.dumps({"StatusCode": 202}), False, ""
        outcome = self.invoke(spec.logical_id, payload)
        if outcome.ok:
            return json.dumps(outcome.result, default=str), False, ""
        kind, _, message = (outcome.error or "Error: failed").partition(": ")
        return (
            json.dumps({"errorType": kind, "errorMessage": message}),
            True,
            outcome.error or "",
        )

    def close(self) -> None:
        """Ends the asynchronous invocations' workers; the process's environment mapping back."""
        self.async_invocations.stop()
        isolation.uninstall_environ()


def _lazy_listener(payload: Any) -> bool:
    """Bolt's re-invocation of the Slack desk for a lazy listener (its marker header)."""
    headers = payload.get("headers") if isinstance(payload, dict) else None
    return isinstance(headers, dict) and "x-slack-bolt-lazy-only" in headers


def _from_sns(payload: Any) -> bool:
    records = payload.get("Records") if isinstance(payload, dict) else None
    return (
        isinstance(records, list) and bool(records) and records[0].get("EventSource") == "aws:sns"
    )


def _apply_powertools_settings(environment: dict[str, str]) -> None:
    """In Lambda each function's Powertools Logger and Metrics read their settings from the
    environment at import. Here the functions share socialcare.observability, which may even
    have been imported by the CLI before any function's environment existed, so every
    invocation applies its own function's service and metrics namespace (to this thread's
    copy of those attributes: isolation.isolate_powertools)."""
    observability = sys.modules.get("socialcare.observability")
    if observability is None:
        return
    logger, metrics = observability.logger, observability.metrics
    if service := environment.get("POWERTOOLS_SERVICE_NAME"):
        logger.service = service
        logger._default_log_keys["service"] = service  # private, but clear_state restores from it
        logger.append_keys(service=service)
        metrics.service = metrics.provider.service = service
    if namespace := environment.get("POWERTOOLS_METRICS_NAMESPACE"):
        metrics.namespace = metrics.provider.namespace = namespace
