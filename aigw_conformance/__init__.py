"""aigw-conformance: a conformance harness for AI Gateway client authentication."""

__version__ = "0.1.0"
