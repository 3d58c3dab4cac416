"""Start the embedded reference for a load run: the one place the load mode reaches the launcher.

The launcher is moving into the harness; when it does, only `start_embedded` changes.
"""

from __future__ import annotations

from pathlib import Path


def start_embedded(state_dir: Path, *, era: str, faults: tuple[str, ...]):
    """(Target, handle with .stop()) for the reference, started as `run` starts it, without its proxy:
    no workload goes through the proxy, and its mitmproxy master would only take CPU from the load."""
    from aigw_reference.launch import start_reference
    from aigw_conformance.targets import Target

    ref = start_reference(state_dir, era=era, faults=list(faults), proxy=False, log_dir=state_dir)
    return Target.for_reference(ref.state), ref


__all__ = ["start_embedded"]
