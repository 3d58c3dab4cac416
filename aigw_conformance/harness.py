"""The per-process harness: what pytest's configure builds once and items use.

It owns the run's redactor, its input files (read once, on first collection) and the lazily started
`Run`. Under xdist every worker has its own harness, redactor and target; only text that has
already been redacted in the worker travels to the controller.
"""

from __future__ import annotations

import threading
from contextlib import ExitStack
from functools import cached_property

import pytest

from aigw_common.redaction import Redactor
from aigw_conformance.run.lazy import LazyRun
from aigw_conformance.run.options import RunOptions
from aigw_conformance.run.record import Inputs, Run


def load_inputs(options: RunOptions) -> Inputs:
    from aigw_conformance.requirements import load_catalogue
    from aigw_conformance.scenario.routes import load_routes
    from aigw_conformance.tokens.malformed import load_malformed
    return Inputs(catalogue=load_catalogue(options.catalogue), routes=load_routes(), malformed=load_malformed())


class Harness:
    def __init__(self, options: RunOptions) -> None:
        self.options = options
        self.redactor = Redactor()
        self._inputs_lock = threading.Lock()
        self._lazy = LazyRun(self._start, options.target)

    def inputs(self) -> Inputs:
        with self._inputs_lock:
            return self._inputs

    @cached_property
    def _inputs(self) -> Inputs:
        return load_inputs(self.options)

    def _start(self, stack: ExitStack) -> Run:
        from aigw_conformance.run.start import start_run
        return start_run(self.options, self.inputs(), self.redactor, stack)

    def run(self) -> Run:
        return self._lazy.get()

    def prestart(self) -> None:
        """Start the run in the background (while pytest collects): the first scenario then waits
        for it instead of starting it. A failure is remembered and reported by that scenario."""
        def start() -> None:
            try:
                self._lazy.get()
            except BaseException:  # noqa: BLE001 - LazyRun keeps the failure for the scenarios
                pass
        threading.Thread(target=start, name="aigw-prestart", daemon=True).start()

    def claimed_profiles(self) -> tuple[str, ...]:
        """The profiles the target claims, as targets.yaml declares it (nothing is started)."""
        from aigw_conformance.errors import AigwError
        from aigw_conformance.run.start import declared_target
        from aigw_conformance.targets.kinds import KINDS
        try:
            t = declared_target(self.options, self.redactor)
        except AigwError:
            return ()
        return tuple(t.profiles) or KINDS[t.kind].claims

    @property
    def started(self) -> Run | None:
        return self._lazy.started

    def attach(self, name: str, text: str) -> None:
        """Evidence text into the allure result of the running test, redacted once more."""
        try:
            import allure
        except ImportError:
            return
        allure.attach(self.redactor.redact(text), name=name, attachment_type=allure.attachment_type.TEXT)

    def title(self, text: str) -> None:
        try:
            import allure
        except ImportError:
            return
        allure.dynamic.title(self.redactor.redact(text))

    def scenarios_done(self) -> None:
        """No scenario runs after this: the taps stop and their files are written while the end of
        the run waits for other things (the leak sweep's settle time, the clean-up, the target's
        stop). The sweep asks the canary directly, never through a tap."""
        run = self._lazy.started
        if run is not None and run.capture is not None:
            run.capture.begin_stop()

    def late_leaks(self) -> list[dict]:
        """Denied requests of this process that reached the provider after their answer."""
        run = self._lazy.started
        if run is None or run.canary is None:
            return []
        run.leaks.settle()
        return run.leaks.sweep(run.canary.tracking_ids_seen())

    def stop(self) -> None:
        self._lazy.stop()


HARNESS_KEY = pytest.StashKey[Harness]()

__all__ = ["Harness", "HARNESS_KEY", "load_inputs"]
