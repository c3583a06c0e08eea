"""AWS failures injected where the SDK would send the request: a botocore ``before-call``
handler answers chosen calls with the error AWS would give (a 400 with an error code), so
botocore raises its ClientError and everything of ours above it runs as it would in AWS."""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.awsrequest import AWSResponse

Match = Callable[[dict[str, Any]], bool]


@dataclass
class _Rule:
    operation: str
    match: Match
    times: int
    code: str


@dataclass
class Faults:
    """One client of ``service`` (hand it to the adapter under test); ``fail`` arms a rule."""

    service: str
    client: Any = None
    rules: list[_Rule] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # the operations that were failed
    seen: list[str] = field(default_factory=list)  # every operation called, in order

    def __post_init__(self) -> None:
        self.client = self.client or boto3.client(self.service)  # type: ignore[call-overload]
        self.client.meta.events.register(f"before-call.{self.service}", self._answer)

    def fail(
        self,
        operation: str,
        match: Match = lambda request: True,
        *,
        times: int = 1,
        code: str = "InternalServerError",
    ) -> "Faults":
        """The next ``times`` calls of ``operation`` whose request (the JSON AWS would get)
        satisfies ``match`` fail with ``code``."""
        self.rules.append(_Rule(operation, match, times, code))
        return self

    def _answer(self, model: Any, params: dict[str, Any], **_: Any) -> Any:
        self.seen.append(model.name)
        body = params.get("body") or b"{}"
        request = json.loads(body) if isinstance(body, bytes | str) and body else {}
        for rule in self.rules:
            if rule.times and rule.operation == model.name and rule.match(request):
                rule.times -= 1
                self.failed.append(model.name)
                http = AWSResponse("https://injected", 500, {}, None)
                error = {"Code": rule.code, "Message": "injected by the test"}
                return http, {"Error": error, "ResponseMetadata": {"HTTPStatusCode": 500}}
        return None


def updates(*words: str) -> Match:
    """An UpdateItem (or a transaction) whose expressions mention every one of ``words``."""

    def match(request: dict[str, Any]) -> bool:
        text = json.dumps(request)
        return all(word in text for word in words)

    return match
