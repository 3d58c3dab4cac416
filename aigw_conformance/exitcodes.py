"""Exit codes of every `aigw-conformance` command (documented in README.md).

Distinct so that a pipeline can tell "the gateway is not conformant" from "the run could not say".
"""

OK = 0                    # conformant / gate passed / files valid
NONCONFORMANT = 1         # a required MUST failed (run, gate)
INVALID_INPUT = 2         # invalid scenario, target or option; usage error
TARGET_UNREACHABLE = 3    # the target could not be reached or answered garbage; no verdict
INTERNAL_ERROR = 4        # a bug in the harness: please report it
INTERRUPTED = 130         # Ctrl-C / SIGTERM; cleanup has run
