"""The order of scenarios: under `-n` the long ones spread over the workers, and first; in every run
the ones that expect no denial last.

`aigw-conformance run -n N` distributes with xdist's work stealing (commands/run.py): worker k gets
the k-th contiguous slice of the collection, and an idle worker takes the tail of the longest queue.
In file order the few long scenarios (the fuzz profile, sleeps towards a token's deadline) sit next
to each other, in one slice: the worker holding them ran seconds after the other had finished. Here
each slice starts with its share of them, dealt longest first, so they start at once and are never
the tail that is stolen.

At its end a run asks the canary whether a request the gateway denied reached the provider after
its answer, SETTLE_SECONDS after the last denied request (runner/leaks.py); with a denial among the
last scenarios that was half a second of waiting, in every process that runs scenarios. Scenarios
whose requests all expect an answer that is no denial (a faithful gateway denies nothing of theirs)
run at the end of each slice, so their work covers that wait. A gateway that does deny one of them
is waited for all the same: the wait is measured from the last real denial.

Only the order changes, never what a scenario does or what it is judged by; every worker computes
the same order from the same collection (xdist requires identical collections). If xdist ever
splits differently, the order is only less good.
"""

from __future__ import annotations

from itertools import islice
from typing import Callable, TypeVar

from aigw_conformance.checks.status import allowed
from aigw_conformance.runner.leaks import DENIAL_STATUSES
from aigw_conformance.scenario.model import ActionStep, ClientStep, FuzzStep, RequestStep, Scenario

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


def expects_denial(scenario: Scenario) -> bool:
    """Whether a faithful gateway denies one of its requests: a request step expects a denial, or
    leaves its status open; any step but a request or an action may too."""
    for step in scenario.steps:
        if isinstance(step, ActionStep):
            continue
        if not isinstance(step, RequestStep) or step.expect.status is None:
            return True
        if DENIAL_STATUSES.intersection(allowed(step.expect.status)):
            return True
    return False


def quiet_last(items: list[T], sizes: list[int], stays: Callable[[T], bool]) -> list[T]:
    """Each slice (`sizes`, then the rest) with the items that do not stay (short, no denial) moved
    to its end; the order is kept otherwise."""
    out: list[T] = []
    start = 0
    for size in [*sizes, len(items)]:
        chunk, start = items[start:start + size], start + size
        out += [i for i in chunk if stays(i)] + [i for i in chunk if not stays(i)]
    return out
