"""Fault injection: rules that make the sandbox misbehave like a real shop behind a proxy."""

from __future__ import annotations

import json
import random
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["KINDS", "FaultRule", "FaultSchedule", "parse_faults"]

KINDS = frozenset(
    {
        "latency",
        "http_429",
        "http_500",
        "http_502",
        "http_503",
        "http_504",
        "reset_before",
        "reset_after",
        "slow",
        "truncated_json",
        "php_notice",
        "invalidate_token",
        "maintenance",
    }
)


@dataclass
class FaultRule:
    """One kind of fault, where and how often it fires.

    Attributes:
        kind: One of :data:`KINDS`.
        route: Only this route (``None``: every route).
        probability: Chance per matching request (drawn from the schedule's seeded RNG).
        every: Fire on every ``every``-th matching request instead of by chance.
        count: Fire at most this many times.
        latency: Seconds of delay (``latency`` and ``slow``); a (low, high) pair draws uniformly.
        retry_after: ``Retry-After`` seconds for ``http_429``/``http_503``.
        after_commit: For HTTP errors: run the route first, then answer the error.
    """

    kind: str
    route: str | None = None
    probability: float = 1.0
    every: int | None = None
    count: int | None = None
    latency: float | tuple[float, float] = 0.0
    retry_after: int | None = None
    after_commit: bool = False
    fired: int = field(default=0, compare=False)
    seen: int = field(default=0, compare=False)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}")


class FaultSchedule:
    """An ordered set of rules; the first rule that fires for a request wins. Deterministic by seed."""

    def __init__(self, rules: list[FaultRule] | tuple[FaultRule, ...] = (), seed: int = 0) -> None:
        self.rules = list(rules)
        self._rng = random.Random(seed)
        self._lock = threading.Lock()

    def pick(self, route: str) -> FaultRule | None:
        """Return the rule that fires for this request on ``route``, if any (counts it)."""
        with self._lock:
            for rule in self.rules:
                if rule.route is not None and rule.route != route:
                    continue
                if rule.count is not None and rule.fired >= rule.count:
                    continue
                rule.seen += 1
                fire = rule.seen % rule.every == 0 if rule.every else self._rng.random() < rule.probability
                if fire:
                    rule.fired += 1
                    return rule
            return None

    def delay(self, rule: FaultRule) -> float:
        """Seconds to wait for a latency/slow rule."""
        if isinstance(rule.latency, tuple):
            with self._lock:
                return self._rng.uniform(*rule.latency)
        return float(rule.latency)


def _seconds(text: str) -> float:
    text = text.strip()
    if text.endswith("ms"):
        return float(text[:-2]) / 1000
    return float(text.removesuffix("s"))


def parse_faults(spec: str, *, seed: int = 0) -> FaultSchedule:
    """Parse ``"http_503:0.1,latency:20ms"`` (kind:probability or latency:duration) or a JSON file path.

    A JSON file holds ``{"seed": 1, "rules": [{"kind": ..., ...}]}`` or a bare list of rules.
    """
    if spec.endswith(".json") and Path(spec).exists():
        data = json.loads(Path(spec).read_text())
        raw = data["rules"] if isinstance(data, dict) else data
        kwargs: list[dict[str, Any]] = [
            {k: tuple(v) if isinstance(v, list) else v for k, v in r.items()} for r in raw
        ]
        rules = [FaultRule(**kw) for kw in kwargs]
        return FaultSchedule(rules, seed=data.get("seed", seed) if isinstance(data, dict) else seed)
    rules = []
    for part in filter(None, (p.strip() for p in spec.split(","))):
        kind, _, arg = part.partition(":")
        if kind in ("latency", "slow"):
            rules.append(FaultRule(kind, latency=_seconds(arg or "0.1")))
        else:
            rules.append(FaultRule(kind, probability=float(arg) if arg else 1.0))
    return FaultSchedule(rules, seed=seed)
