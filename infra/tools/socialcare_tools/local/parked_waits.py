"""Step Functions executions that wait hold no thread (issue 12).

moto runs each execution on two threads of its own (the execution and, under it, the
program, so that ``TimeoutSeconds`` can be enforced by a join) and a ``Wait`` state sleeps on
them: a burst of 3,000 messages made ~10,000 threads, most asleep in a reply clock's wait, and
the interpreter spent its time switching between them.

Here an execution runs on a small, bounded pool of workers. When its program reaches a
top-level ``Wait`` state, the state is entered as moto enters it (history event, input
path, the wait's time read from the input), then the execution is parked on one timer heap
and its worker goes back to the pool. At the wait's end a worker finishes the state exactly
as moto's state does after its sleep (assignments, output path, ``Next``, the exited event)
and the program loop goes on from there: Choice, Retry, Catch and task results run moto's
own code. ``StopExecution`` wakes a parked execution at once so it ends ABORTED, as it does
on AWS.

Not parked, as before: a state machine with ``TimeoutSeconds`` (moto enforces it with the
second thread) and a ``Wait`` inside a Parallel or Map branch (a frame of its parent, whose
thread waits for it). Express executions started synchronously run on the caller's thread.
Derived from moto's ExecutionWorker, Program and CommonStateField code (Apache-2.0); the
reviewed source is pinned by tests/tools/test_moto_canaries.py.
"""

import heapq
import itertools
import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

from moto.stepfunctions.parser.api import (
    ExecutionFailedEventDetails,
    ExecutionStartedEventDetails,
    HistoryEventExecutionDataDetails,
    HistoryEventType,
)
from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
    FailureEventException,
)
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import (
    StatesErrorName,
)
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
    StatesErrorNameType,
)
from moto.stepfunctions.parser.asl.component.program.program import Program
from moto.stepfunctions.parser.asl.component.state.state import CommonStateField
from moto.stepfunctions.parser.asl.eval.environment import Environment
from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails
from moto.stepfunctions.parser.asl.eval.program_state import ProgramRunning
from moto.stepfunctions.parser.asl.utils.encoding import to_json_str
from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

LOG = logging.getLogger("socialcare_tools.local.parked_waits")
ORIGINAL_WORKER_START = ExecutionWorker.start
ORIGINAL_WORKER_STOP = ExecutionWorker.stop
WORKERS = 16  # executions that run a state at the same time; the rest queue for a worker
PARKS = "_socialcare_parks"  # set on an execution's environment when its waits may park
STOPPED_EARLY = "_socialcare_stopped_early"  # StopExecution before the execution began
_STARTING = threading.Lock()  # between StopExecution and an execution getting its env


class Parked(BaseException):
    """Raised by a top-level Wait state to leave the worker; a BaseException so that moto's
    ``except Exception`` handlers (which would fail the execution) let it pass."""

    def __init__(self, deadline: float) -> None:
        super().__init__(deadline)
        self.deadline = deadline


def may_park(env: Environment) -> bool:
    return bool(getattr(env, PARKS, False)) and not env.is_frame()


class WaitScheduler:
    """One timer thread and a bounded pool of workers for every execution in the process."""

    def __init__(self, workers: int = WORKERS) -> None:
        self.max_workers = workers
        self._lock = threading.Condition()
        self._timers: list[tuple[float, int, int]] = []  # (deadline, order, key)
        self._parked: dict[int, tuple[int, Callable[[], None]]] = {}  # key -> (order, job)
        self._order = itertools.count()
        self._work: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._idle = 0
        self._stopping = False

    # What tests and the benchmarks look at.
    @property
    def parked(self) -> int:
        with self._lock:
            return len(self._parked)

    @property
    def threads(self) -> int:
        return sum(thread.is_alive() for thread in self._threads)

    def submit(self, job: Callable[[], None]) -> None:
        with self._lock:
            if self._stopping:
                return
            if self._idle == 0 and self._workers() < self.max_workers:
                self._start(self._work_loop, f"sfn-worker-{len(self._threads)}")
            if not any(t.name == "sfn-timer" and t.is_alive() for t in self._threads):
                self._start(self._timer_loop, "sfn-timer")
        self._work.put(job)

    def park(self, key: int, deadline: float, job: Callable[[], None]) -> None:
        with self._lock:
            order = next(self._order)
            self._parked[key] = (order, job)
            heapq.heappush(self._timers, (deadline, order, key))
            self._lock.notify()

    def wake(self, key: int) -> None:
        """Resume a parked execution now (it was stopped)."""
        with self._lock:
            entry = self._parked.pop(key, None)
        if entry is not None:
            self.submit(entry[1])

    def reopen(self) -> None:
        with self._lock:
            self._stopping = False

    def stop(self) -> None:
        with self._lock:
            self._stopping = True
            self._timers.clear()
            self._parked.clear()
            self._lock.notify_all()
        for _ in self._threads:
            self._work.put(None)
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads.clear()
        self._work = queue.SimpleQueue()  # no stop marker is left for the next workers

    def _workers(self) -> int:
        return sum(t.is_alive() and t.name != "sfn-timer" for t in self._threads)

    def _start(self, target: Callable[[], None], name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _timer_loop(self) -> None:
        with self._lock:
            while not self._stopping:
                if not self._timers:
                    self._lock.wait()
                    continue
                deadline, order, key = self._timers[0]
                left = deadline - time.monotonic()
                if left > 0:
                    self._lock.wait(left)
                    continue
                heapq.heappop(self._timers)
                entry = self._parked.get(key)
                if entry is None or entry[0] != order:
                    continue  # woken earlier (stopped): already resumed
                del self._parked[key]
                job = entry[1]
                self._lock.release()
                try:
                    self.submit(job)
                finally:
                    self._lock.acquire()

    def _work_loop(self) -> None:
        while True:
            with self._lock:
                self._idle += 1
            job = self._work.get()
            with self._lock:
                self._idle -= 1
            if job is None:
                return
            try:
                job()
            except BaseException:  # a job never takes its worker down with it
                LOG.exception("a Step Functions execution step failed")


SCHEDULER = WaitScheduler()


def _scheduler() -> WaitScheduler:
    return SCHEDULER


def _begin(worker: ExecutionWorker) -> None:
    """moto's ExecutionWorker._execution_logic, up to the program's evaluation."""
    program = worker._get_evaluation_entrypoint()
    env = worker._get_evaluation_environment()
    with _STARTING:
        worker.env = env
    env.event_manager.add_event(
        context=env.event_history_context,
        event_type=HistoryEventType.ExecutionStarted,
        event_details=EventDetails(  # type: ignore[typeddict-item]  # as moto builds it
            executionStartedEventDetails=ExecutionStartedEventDetails(
                input=to_json_str(worker._evaluation_details.execution_details.inpt),
                inputDetails=HistoryEventExecutionDataDetails(truncated=False),
                roleArn=worker._evaluation_details.aws_execution_details.role_arn,
            )
        ),
        update_source_event_id=False,
    )
    with _STARTING:
        early = getattr(worker, STOPPED_EARLY, None)
    if early is not None:
        stop_date, error, cause = early
        env.set_stop(stop_date=stop_date, cause=cause, error=error)
    if not isinstance(program, Program) or program.timeout_seconds is not None:
        program.eval(env)  # moto's own way, with its timeout thread
        worker._execution_communication.terminated()
        return
    setattr(env, PARKS, True)
    env.next_state_name = program.start_at.start_at_name
    _run(worker, program, None)


def _run(worker: ExecutionWorker, program: Program, waiting: CommonStateField | None) -> None:
    env = worker.env
    assert env is not None
    try:
        if waiting is not None:
            _finish_state(waiting, env)
        program._eval_body(env)  # the loop of states, then the execution's last event
    except Parked as parked:
        state = program._get_state(str(env.next_state_name))
        scheduler = _scheduler()
        scheduler.park(id(worker), parked.deadline, lambda: _run(worker, program, state))
        if not env.is_running():  # stopped while parking: StopExecution's wake came too early
            scheduler.wake(id(worker))
        return
    worker._execution_communication.terminated()


def _finish_state(state: CommonStateField, env: Environment) -> None:
    """What moto's StateWait._eval_state and CommonStateField._eval_body do after the wait.
    A failure here fails the execution as it would inside moto's program loop."""
    try:
        if state.assign_decl:
            state.assign_decl.eval(env=env)
        if not isinstance(env.program_state(), ProgramRunning):
            return
        state._eval_state_output(env=env)
        state._verify_size_quota(env=env, value=env.states.get_input())
        state._set_next(env)
        if state.state_exited_event_type is not None:
            env.event_manager.add_event(
                context=env.event_history_context,
                event_type=state.state_exited_event_type,
                event_details=EventDetails(  # type: ignore[typeddict-item]  # as moto builds it
                    stateExitedEventDetails=state._get_state_exited_event_details(env=env)
                ),
            )
    except Exception as failure:
        _fail_like_the_program_loop(env, failure)
    env.stack.clear()
    env.heap.clear()


def _fail_like_the_program_loop(env: Environment, failure: Exception) -> None:
    details = (
        failure.get_execution_failed_event_details()
        if isinstance(failure, FailureEventException)
        else None
    )
    if details is not None:
        env.set_error(error=details)
        return
    env.set_error(
        ExecutionFailedEventDetails(
            error=StatesErrorName(typ=StatesErrorNameType.StatesRuntime).error_name,
            cause=f"{type(failure).__name__}({failure})",
        )
    )


def _start(self: ExecutionWorker) -> None:
    _scheduler().submit(lambda: _begin(self))


def _stop(self: ExecutionWorker, stop_date: Any, error: str | None, cause: str | None) -> None:
    with _STARTING:
        if self.env is None:  # still queued for a worker: stopped as soon as it begins
            setattr(self, STOPPED_EARLY, (stop_date, error, cause))
            return
    ORIGINAL_WORKER_STOP(self, stop_date, error, cause)
    _scheduler().wake(id(self))


def install() -> None:
    """Executions started from now on run on the scheduler's workers (idempotent)."""
    SCHEDULER.reopen()
    ExecutionWorker.start = _start  # type: ignore[method-assign]
    ExecutionWorker.stop = _stop  # type: ignore[method-assign]


def uninstall() -> None:
    """Back to moto's threads; parked executions are dropped with the scheduler (the stack
    stops every running execution first)."""
    ExecutionWorker.start = ORIGINAL_WORKER_START  # type: ignore[method-assign]
    ExecutionWorker.stop = ORIGINAL_WORKER_STOP  # type: ignore[method-assign]
    SCHEDULER.stop()
