"""The order of scenarios under `-n`: the long ones spread over the workers, and first.

`aigw-conformance run -n N` distributes with xdist's work stealing (commands/run.py): worker k gets
the k-th contiguous slice of the collection, and an idle worker takes the tail of the longest queue.
In file order the few long scenarios (the fuzz profile, sleeps towards a token's deadline) sit next
to each other, in one slice: the worker holding them ran seconds after the other had finished. Here
each slice starts with its share of them, dealt longest first, so they start at once and are never
the tail that is stolen.

Only the order changes, never what a scenario does or what it is judged by; every worker computes
the same order from the same collection (xdist requires identical collections). If xdist ever
splits differently, the order is only less good.
"""

from __future__ import annotations

from itertools import islice
from typing import Callable, TypeVar

from aigw_conformance.scenario.model import ActionStep, ClientStep, FuzzStep, Scenario

T = TypeVar("T")

# Rough costs, enough to tell long from short: a fuzz search takes 2 to 4 s against the reference
# (bench/README.md), a real client program about a second to start; a request takes milliseconds.
FUZZ_S = 3.0
CLIENT_S = 1.0
LONG_S = 0.5


def estimated_seconds(scenario: Scenario) -> float:
    total = 0.0
    for step in scenario.steps:
        if isinstance(step, FuzzStep):
            total += FUZZ_S
        elif isinstance(step, ClientStep):
            total += CLIENT_S
        elif isinstance(step, ActionStep) and step.action == "sleep":
            total += step.seconds or 0.0
    return total


def first_split(n: int, workers: int) -> list[int]:
    """Slice sizes of work stealing's first distribution (xdist 3.x, `WorkStealingScheduling`)."""
    sizes, left = [], n
    for i in range(workers):
        sizes.append(left // (workers - i))
        left -= sizes[-1]
    return sizes


def spread_long(items: list[T], workers: int, cost: Callable[[T], float]) -> list[T]:
    """`items` reordered: each worker's slice opens with long items (greedy, the least loaded slice
    takes the next longest), the short ones follow in their own order."""
    costs = [cost(i) for i in items]
    long = sorted((k for k, c in enumerate(costs) if c >= LONG_S), key=lambda k: -costs[k])
    if workers < 2 or not long:
        return list(items)
    heads: list[list[int]] = [[] for _ in range(workers)]
    load = [0.0] * workers
    for k in long:
        w = min(range(workers), key=lambda w: load[w])
        heads[w].append(k)
        load[w] += costs[k]
    short = iter(k for k, c in enumerate(costs) if c < LONG_S)
    order: list[int] = []
    for w, size in enumerate(first_split(len(items), workers)):
        order += heads[w]
        order += islice(short, max(0, size - len(heads[w])))
    order += short
    return [items[k] for k in order]
