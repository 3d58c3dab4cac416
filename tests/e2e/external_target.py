"""Two `reference serve` processes described as one external target, the way a QA engineer would
describe a staging gateway with a separate byok-disabled deployment:

- the main deployment, `--keep-alive 1` (an HTTP server that closes idle connections much sooner
  than the embedded reference), with its proxy, its canary and its rate-limited listener;
- a second deployment, `--no-byok --no-proxy`, its own process and SQLite database (its own users,
  tokens and operator), whose providers point at the main deployment's canary, as a real second
  deployment would be configured for the run.

Secrets (operator tokens, provider keys, static tokens) go to the run through environment
variables; the targets file names only the variables. The proxy's CA is fetched from the gateway's
own endpoint (`proxy_ca: endpoint`, AUTH-PROXY-009) with the operator's session, as the QA guide
describes it: a PEM file had left that path untried, and it was broken (the fetch had no session).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from .external import ServedReference, serve


@dataclass
class ExternalDeployment:
    main: ServedReference
    nobyok: ServedReference
    targets: Path
    env: dict[str, str]

    @property
    def central_keys(self) -> list[str]:
        """Both deployments' provider keys: secrets the harness is told of, never issues."""
        return [k for ref in (self.main, self.nobyok) for k in ref.state["central_keys"].values()]

    def stop(self) -> None:
        self.nobyok.stop()
        self.main.stop()


def start(folder: Path, name: str = "ext", *, issued_keys: bool = False) -> ExternalDeployment:
    main = serve(folder, "main", "--keep-alive", "1", issued_keys=issued_keys)
    try:
        canary = main.state["canary_url"]
        config = folder / "nobyok.yaml"
        config.write_text(yaml.safe_dump({"upstreams": {"openai": f"{canary}/openai/v1",
                                                        "anthropic": f"{canary}/anthropic",
                                                        "copilot": f"{canary}/copilot"}}))
        nobyok = serve(folder, "nobyok", "--no-byok", "--no-proxy", "--config", str(config),
                       issued_keys=issued_keys)
    except BaseException:
        main.stop()
        raise
    static = main.state["static_tokens"]
    env = {"AIGW_EXT_OPERATOR": main.operator_token, "AIGW_EXT_NOBYOK_OPERATOR": nobyok.operator_token,
           "AIGW_EXT_OPENAI_KEY": main.state["central_keys"]["openai"],
           "AIGW_EXT_ANTHROPIC_KEY": main.state["central_keys"]["anthropic"],
           "AIGW_EXT_DORMANT": static["user-dormant"], "AIGW_EXT_SYSTEM": static["user-system"]}
    entry = {
        "kind": "external",
        "description": "two reference serve processes, as somebody else's deployments",
        "base_url": main.state["base_url"],
        "era": "newest",
        "providers": ["openai", "anthropic", "copilot"],
        "endpoints": {
            "byok-disabled": {"url": nobyok.state["base_url"],
                              "tokens": {"source": "coder-api", "operator_token_env": "AIGW_EXT_NOBYOK_OPERATOR"}},
            "rate-limited": main.state["endpoints"]["rate-limited"],
        },
        "proxy_url": main.state["proxy_url"],
        "proxy_ca": "endpoint",
        "canary_url": canary,
        "central_keys": {"openai": "${AIGW_EXT_OPENAI_KEY}", "anthropic": "${AIGW_EXT_ANTHROPIC_KEY}"},
        # what this gateway has that the file cannot show: it runs inside coderd (CSRF), serves the
        # proxy CA endpoint, lets an Owner administer users
        "features": ["embedded", "proxy-ca-endpoint", "user-admin"],
        "tokens": {"source": "coder-api", "operator_token_env": "AIGW_EXT_OPERATOR",
                   "env": {"user-dormant": "AIGW_EXT_DORMANT", "user-system": "AIGW_EXT_SYSTEM"}},
        "timeouts": {"connect": 5, "read": 30, "total": 60},
    }
    targets = folder / "targets.yaml"
    targets.write_text(yaml.safe_dump({"targets": {name: entry}}, sort_keys=False))
    return ExternalDeployment(main, nobyok, targets, env)
