"""Parse each state machine definition once, not at every execution.

moto 5.2.5 builds an execution's program by running its ANTLR parser over the definition
at every StartExecution (``ExecutionWorker._get_evaluation_entrypoint``): 20-40 ms of
pure Python for our clock machine, and every message starts a clock (and the classifier
re-plans it: a second start). In a burst that parsing was the largest cost after moto's
DynamoDB queries.

A parsed program is a tree of immutable declarations: every execution keeps its state in
its own ``Environment`` (checked over moto's component sources: only parse-time
``from_state_props`` assigns attributes). One lazily made value lives on the tree, each
component's ``heap_key`` (the retry counters' slot in an environment's heap): two
executions making it at once would store one counter under two keys, so it is made for
the whole tree when the program is parsed, before any execution shares it.
"""

import functools
import threading
from collections.abc import Iterator
from typing import Any

from moto.stepfunctions.parser.asl.component.eval_component import EvalComponent
from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

ORIGINAL_ENTRYPOINT = ExecutionWorker._get_evaluation_entrypoint


def eval_components(program: EvalComponent) -> Iterator[EvalComponent]:
    """Every evaluation component of a parsed program (states, their declarations, ...)."""
    pending: list[Any] = [program]
    seen: set[int] = set()
    while pending:
        node = pending.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, EvalComponent):
            yield node
        if isinstance(node, dict):
            pending.extend(node.values())
        elif isinstance(node, list | tuple | set | frozenset):
            pending.extend(node)
        elif hasattr(node, "__dict__") and type(node).__module__.startswith("moto.stepfunctions"):
            pending.extend(vars(node).values())


@functools.lru_cache(maxsize=64)
def _parsed(definition: str) -> EvalComponent:
    program, _tree = AmazonStateLanguageParser.parse(definition)
    for component in eval_components(program):
        _ = component.heap_key  # made now, before executions share the component
    return program


_PARSING = threading.Lock()  # executions start side by side: the first parses, the rest wait


def program_for(definition: str) -> EvalComponent:
    with _PARSING:
        return _parsed(definition)


def _entrypoint(self: ExecutionWorker) -> EvalComponent:
    return program_for(self._evaluation_details.state_machine_details.definition)


def install() -> None:
    ExecutionWorker._get_evaluation_entrypoint = _entrypoint  # type: ignore[method-assign]


def uninstall() -> None:
    ExecutionWorker._get_evaluation_entrypoint = ORIGINAL_ENTRYPOINT  # type: ignore[method-assign]
    _parsed.cache_clear()
