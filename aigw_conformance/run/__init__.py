"""The run's centre: options in, one frozen `Run` record out, started once, stopped once.

    RunOptions (options.py) ─► start_run (start.py) ─► Run (record.py) ─► items, runner, reports

`LazyRun` (lazy.py) starts it on the first scenario that needs it, so `pytest tests` starts nothing,
and remembers a failed start so every later scenario errors at once with the same paragraph.

Import the submodules (`run.options`, `run.record`, `run.start`, `run.lazy`): importing this package
loads nothing, so a command that only needs a run id does not pull in the runners.
"""
