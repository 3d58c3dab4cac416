"""The run's centre: options in, one frozen `Run` record out, started once, stopped once.

    RunOptions (options.py) ─► start_run (start.py) ─► Run (record.py) ─► items, runner, reports

`LazyRun` (lazy.py) starts it on the first scenario that needs it, so `pytest tests` starts nothing,
and remembers a failed start so every later scenario errors at once with the same paragraph.
"""

from .lazy import LazyRun
from .options import RunOptions, new_run_id
from .record import Inputs, Run

__all__ = ["Run", "RunOptions", "Inputs", "LazyRun", "new_run_id"]
