"""Subcommands of `aigw-conformance`, one module each (see aigw_conformance.cli)."""
