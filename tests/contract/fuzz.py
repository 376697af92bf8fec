"""Run schemathesis over one live service, every operation, bounded, collecting every failure.

Each operation gets ``max_examples`` generated cases in each generation mode (valid data
and data that breaks the schema), derandomized so a run is repeatable. Failures are
collected (one line per distinct operation, check and status) rather than stopping at the
first, so one run shows everything that is wrong.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

Steering = dict[str, Callable[[Any], Any]]
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance,
          content_type_conformance]


@dataclass
class Report:
    calls: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    by_operation: dict[str, dict[int, int]] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    skipped_for_time: list[str] = field(default_factory=list)
    links: int = 0
    unsatisfiable: list[str] = field(default_factory=list)
    samples: dict[str, str] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def record(self, label: str, response: Any, problem: BaseException) -> None:
        for failure in getattr(problem, "exceptions", [problem]):
            title = getattr(failure, "title", type(failure).__name__)
            key = f"{label}: {title} (HTTP {response.status_code})"
            if key not in self.failures:
                message = getattr(failure, "message", str(failure))
                self.failures[key] = f"{message}\n    request: {_describe(response)}"

    def summary(self) -> str:
        lines = [f"{len(self.failures)} distinct failures over {self.calls} calls"]
        if self.unsatisfiable:
            lines.append(f"  no case could be generated for: {', '.join(self.unsatisfiable)}")
        if self.skipped_for_time:
            lines.append(f"  past the time budget (2 cases each): {', '.join(self.skipped_for_time)}")
        lines += [f"  {label}: {dict(sorted(seen.items()))} in {self.seconds.get(label, '?')} s"
                  for label, seen in self.by_operation.items()]
        lines += [f"- {key}\n    {detail}" for key, detail in sorted(self.failures.items())]
        return "\n".join(lines)


def _describe(response: Any) -> str:
    request = response.request
    body = request.body if request is not None else None
    if isinstance(body, bytes):
        body = body[:300].decode("utf-8", "replace")
    elif isinstance(body, str):
        body = body[:300]
    auth = request.headers.get("Authorization", "")[:20] if request is not None else ""
    return f"{request.method} {request.url[:300]} auth={auth!r} body={body!r} -> {response.text[:300]!r}"


def load(base_url: str) -> Any:
    document = requests.get(base_url + "/api/openapi.json", timeout=10).json()
    return schemathesis.openapi.from_dict(document)


def steer(schema: Any, *, bodies: Steering | None = None, queries: Steering | None = None,
          path_parameters: Steering | None = None) -> None:
    """Rewrite what schemathesis generates for some operations (``"POST /api/v1/sales"`` ->
    function of the body, the query or the path parameters) so that more of it gets past the
    lookups random data never satisfies (known SKUs, the caller's own store) and reaches the
    deeper checks."""

    def pick(context: Any, steering: Steering | None) -> Callable[[Any], Any] | None:
        operation = context.operation
        if steering is None or operation is None:
            return None
        return steering.get(f"{operation.method.upper()} {operation.path}")

    @schema.hook
    def map_body(context: Any, body: Any) -> Any:
        rewrite = pick(context, bodies)
        return rewrite(body) if rewrite else body

    @schema.hook
    def map_query(context: Any, query: Any) -> Any:
        rewrite = pick(context, queries)
        return rewrite(query) if rewrite else query

    @schema.hook
    def map_path_parameters(context: Any, parameters: Any) -> Any:
        rewrite = pick(context, path_parameters)
        return rewrite(parameters) if rewrite else parameters


def run(
    schema: Any,
    base_url: str,
    headers_for: Callable[[Any], dict[str, str]],
    *,
    max_examples: int,
    budget_s: float,
    report: Report | None = None,
) -> Report:
    report = report or Report()
    deadline = time.monotonic() + budget_s
    session = requests.Session()
    modes = (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)
    runs = [(result.ok(), mode) for result in schema.get_all_operations() for mode in modes]
    try:
        for index, (operation, mode) in enumerate(runs):
            label = f"{operation.method.upper()} {operation.path} [{mode.value}]"
            started = time.monotonic()
            # Each operation gets a fair share of what is left of the budget, so a slow one
            # cannot starve the ones after it; past the budget, each still gets a few cases.
            share = started + max(deadline - started, 0) / (len(runs) - index)
            examples = max_examples
            if started > deadline:
                report.skipped_for_time.append(label)
                examples, share = 2, started + 2
            call = _caller(report, label, base_url, session, headers_for(operation), share)
            try:
                settings(
                    max_examples=examples,
                    derandomize=True,
                    database=None,
                    deadline=None,
                    phases=[Phase.explicit, Phase.generate],
                    suppress_health_check=list(HealthCheck),
                )(given(case=operation.as_strategy(generation_mode=mode))(call))()
            except OutOfTime:
                pass
            except Unsatisfiable:
                # schemathesis found no case of this kind (say, no invalid value for a path
                # parameter that takes any integer): nothing to send.
                report.unsatisfiable.append(label)
            report.seconds[label] = round(time.monotonic() - started, 1)
    finally:
        session.close()
    return report


class OutOfTime(Exception):
    """An operation used up its share of the time budget: stop generating cases for it."""


def _count(report: Report, label: str, response: Any) -> None:
    report.calls += 1
    report.statuses[response.status_code] = report.statuses.get(response.status_code, 0) + 1
    seen = report.by_operation.setdefault(label, {})
    seen[response.status_code] = seen.get(response.status_code, 0) + 1
    report.samples.setdefault(f"{label} {response.status_code}", _describe(response))


def _caller(report: Report, label: str, base_url: str, session: requests.Session,
            headers: dict[str, str], deadline: float) -> Callable[[Any], None]:
    def call(case: Any) -> None:
        if time.monotonic() > deadline:
            raise OutOfTime(label)
        response = case.call(base_url=base_url, session=session, headers=headers, timeout=30)
        _count(report, label, response)
        try:
            case.validate_response(response, checks=CHECKS)
        except BaseException as problem:  # noqa: BLE001 - schemathesis raises a FailureGroup
            if isinstance(problem, KeyboardInterrupt):
                raise
            report.record(label, response, problem)

    return call


def run_stateful(
    schema: Any,
    base_url: str,
    headers_for: Callable[[Any], dict[str, str]],
    *,
    scenarios: int,
    steps: int,
    budget_s: float,
    report: Report | None = None,
) -> Report:
    """Sequences of linked calls (schemathesis's state machine over the links it infers from
    the document: create a sale then return it, create a replenishment then approve and ship
    it...), with the same checks, collecting failures."""
    report = report or Report()
    inference = schema.apply_stateful_inference(None)
    report.links = inference.selected
    deadline = time.monotonic() + budget_s
    session = requests.Session()

    class Machine(schema.as_state_machine()):  # type: ignore[misc]
        def before_call(self, case: Any) -> None:
            if time.monotonic() > deadline:
                raise OutOfTime("stateful")

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"base_url": base_url, "session": session, "headers": headers_for(case.operation),
                    "timeout": 30}

        def validate_response(self, response: Any, case: Any, *_args: Any, **_kwargs: Any) -> None:
            label = f"{case.operation.method.upper()} {case.operation.path} [stateful]"
            _count(report, label, response)
            try:
                case.validate_response(response, checks=CHECKS)
            except BaseException as problem:  # noqa: BLE001 - schemathesis raises a FailureGroup
                if isinstance(problem, KeyboardInterrupt):
                    raise
                report.record(label, response, problem)

    try:
        Machine.run(settings=settings(
            max_examples=scenarios,
            stateful_step_count=steps,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        ))
    except OutOfTime:
        pass
    finally:
        session.close()
    return report
