"""Token sources (coder-api, static), the malformed-token catalogue and the Token value."""

from aigw_conformance.tokens.token import Token

__all__ = ["Token"]
