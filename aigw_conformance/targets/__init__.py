"""Targets: the model (`Target`), the targets.yaml loader and the kinds that start them."""

from .loader import default_target_name, load_targets
from .model import PREFIXES, Target, Timeouts, TokenSourceSpec

__all__ = ["Target", "TokenSourceSpec", "Timeouts", "PREFIXES", "load_targets", "default_target_name"]
