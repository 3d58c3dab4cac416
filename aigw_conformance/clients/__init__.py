"""Real client programs in the loop (the live-clients profile): run sealed, observed, checked.

    run_client_step(step, env=ClientRunEnv(...), context=..., render=..., test_id=..., tracking_id=..., record=...)

`sandbox` seals a program in a loopback-only network namespace, `catalogue` knows the pinned
clients and their quiet settings, `checks` judges a run, `case_hook` adapts the runner's case
state to the explicit `ClientRunEnv` (the only place that reads the run context).
"""

from .catalogue import CLIENTS, COPILOT_GITHUB_REASON
from .run_step import ClientRunEnv, ClientUnavailable, run_client_step
from .sandbox import Forward, SealedCommand, SealedRun, run_sealed, sealing_problem

__all__ = ["CLIENTS", "COPILOT_GITHUB_REASON", "ClientRunEnv", "ClientUnavailable", "run_client_step",
           "Forward", "SealedCommand", "SealedRun", "run_sealed", "sealing_problem"]
