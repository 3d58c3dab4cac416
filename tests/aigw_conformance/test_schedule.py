"""The order of scenarios (aigw_conformance/schedule.py): a permutation that opens every worker's
first slice with its share of the long scenarios under -n, and ends every slice with the short
scenarios a faithful gateway denies nothing of."""

from __future__ import annotations

import pytest

from aigw_conformance.scenario.model import Scenario
from aigw_conformance.schedule import LONG_S, estimated_seconds, expects_denial, first_split, quiet_last, spread_long


def _scenario(*steps: dict) -> Scenario:
    return Scenario.model_validate({"id": "S-1", "requirement": ["AUTH-HTTP-001"], "steps": list(steps)})


REQUEST = {"request": {"route": "openai.models"}, "expect": {"status": 200}}


def test_estimates_count_fuzz_clients_and_sleeps_not_requests() -> None:
    assert estimated_seconds(_scenario(REQUEST, REQUEST)) < LONG_S
    assert estimated_seconds(_scenario(REQUEST, {"action": "sleep", "seconds": 1.2})) == pytest.approx(1.2)
    assert estimated_seconds(_scenario({"fuzz": {"engine": "token-mutation"}})) >= LONG_S


@pytest.mark.parametrize(("n", "workers"), [(506, 2), (7, 3), (1, 2), (0, 4)])
def test_first_split_covers_everything_like_work_stealing(n: int, workers: int) -> None:
    sizes = first_split(n, workers)
    assert len(sizes) == workers and sum(sizes) == n and max(sizes) - min(sizes) <= 1


def test_long_items_open_each_slice_longest_first_and_short_ones_keep_their_order() -> None:
    costs = {"a": 0, "b": 0, "F1": 3, "F2": 3, "F3": 3, "c": 0, "S": 1.3, "d": 0, "e": 0, "f": 0}
    items = list(costs)
    out = spread_long(items, 2, costs.__getitem__)
    assert sorted(out) == sorted(items)
    first, second = out[:5], out[5:]                 # the two slices work stealing hands out first
    assert first[:2] == ["F1", "F3"] and second[:2] == ["F2", "S"]
    assert [i for i in out if costs[i] == 0] == ["a", "b", "c", "d", "e", "f"]


def test_nothing_long_or_one_worker_leaves_the_order_alone() -> None:
    items = ["a", "b", "c"]
    assert spread_long(items, 2, lambda i: 0.0) == items
    assert spread_long(["x", "F"], 1, lambda i: 3.0 if i == "F" else 0.0) == ["x", "F"]


@pytest.mark.parametrize(("steps", "denies"), [
    ([REQUEST, {"action": "sleep", "seconds": 0.1}, {"request": {"route": "openai.models"}, "expect": {"status": [200, 404]}}], False),
    ([REQUEST, {"request": {"route": "openai.models"}, "expect": {"status": 403}}], True),
    ([{"request": {"route": "openai.models"}, "expect": {"status": [200, 429]}}], True),
    ([{"request": {"route": "openai.models"}}], True),                      # the status left open
    ([{"fuzz": {"engine": "token-mutation"}}], True),                        # not a request step
])
def test_a_scenario_expects_a_denial_unless_every_request_expects_none(steps, denies) -> None:
    assert expects_denial(_scenario(*steps)) is denies


def test_quiet_items_end_each_slice_in_their_order() -> None:
    items = ["D1", "q1", "D2", "q2", "D3", "q3", "D4", "q4", "q5"]
    out = quiet_last(items, [4, 4], lambda i: i.startswith("D"))
    assert out == ["D1", "D2", "q1", "q2", "D3", "D4", "q3", "q4", "q5"]
    assert quiet_last(items, [], lambda i: i.startswith("D")) == ["D1", "D2", "D3", "D4", "q1", "q2", "q3", "q4", "q5"]

