"""The reference gateway as somebody else's deployment: `aigw-conformance reference serve` started as
its own process (its own SQLite database), described to the harness only by a targets file with the
`coder-api` token source, as a QA engineer would describe a staging gateway. Secrets reach the
harness through environment variables, never through the file.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from .runs import REPO

START_TIMEOUT = 60.0


@dataclass
class ServedReference:
    proc: subprocess.Popen
    state: dict
    state_file: Path
    log: Path
    issued_keys: Path | None = None

    @property
    def operator_token(self) -> str:
        return self.state["operator"]["token"]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


def serve(folder: Path, name: str, *args: str, issued_keys: bool = False) -> ServedReference:
    """`python -m aigw_conformance reference serve --state-file …` in its own process; bounded wait."""
    folder.mkdir(parents=True, exist_ok=True)
    state_file, log = folder / f"{name}-state.json", folder / f"{name}.log"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    keys = folder / f"{name}-issued-keys.txt" if issued_keys else None
    if keys is not None:
        env["AIGW_REFERENCE_ISSUED_KEYS_FILE"] = str(keys)
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "aigw_conformance", "reference", "serve",
                                 "--state-file", str(state_file), *args],
                                cwd=REPO, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if state_file.exists():
            return ServedReference(proc, json.loads(state_file.read_text()), state_file, log, keys)
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    proc.kill()
    proc.wait(10)
    raise AssertionError(f"reference serve {name} did not start: {log.read_text()[-2000:]}")


@dataclass
class TargetsFile:
    path: Path
    env: dict[str, str] = field(default_factory=dict)   # the secrets, as the run's environment


def operator_api(ref: ServedReference) -> httpx.Client:
    """The operator's own REST client (the test's, not the harness's), to look at what is left."""
    return httpx.Client(base_url=ref.state["base_url"], headers={"Coder-Session-Token": ref.operator_token},
                        timeout=10, trust_env=False)


@dataclass(frozen=True)
class Inventory:
    tokens: tuple[str, ...]    # token names (every user's: the operator is an Owner)
    users: tuple[str, ...]     # usernames

    def named(self, prefix: str) -> list[str]:
        return [f"token {n}" for n in self.tokens if n.startswith(prefix)] + \
               [f"user {n}" for n in self.users if n.startswith(prefix)]


def inventory(ref: ServedReference) -> Inventory:
    """Every live token (of every user, expired ones too) and every user of one deployment."""
    with operator_api(ref) as api:
        keys = api.get("/api/v2/users/me/keys/tokens", params={"include_all": "true", "include_expired": "true"})
        users = api.get("/api/v2/users", params={"limit": "1000"})
    assert keys.status_code == 200 and users.status_code == 200, (keys.text, users.text)
    return Inventory(tuple(sorted(str(k["token_name"]) for k in keys.json())),
                     tuple(sorted(str(u["username"]) for u in users.json()["users"])))
