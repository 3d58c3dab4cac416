from aigw_conformance.cli import entry

entry()
