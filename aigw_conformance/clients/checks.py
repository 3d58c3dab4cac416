"""The checks of a `client:` step, pure functions of what was observed.

`sent` reads the capture: the HAR of the test's flows (what the gateway received from the client,
redacted) and the CONNECT transcripts. Because the capture holds only redacted text, expected
header values are redacted the same way before they are compared, so `Bearer {{ token }}`
matches the token's redacted form and nothing else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from aigw_conformance.checks.headers import check_headers
from aigw_conformance.checks.status import allowed as allowed_statuses
from aigw_conformance.errors import MismatchDetail
from aigw_conformance.observation import UpstreamRecord

from .sandbox import SealedRun

Redact = Callable[[str], str]
SHOW = 160


@dataclass(frozen=True)
class Observed:
    run: SealedRun
    flows: list[dict]                  # HAR entries (redacted) of the client's requests to the gateway
    handshakes: list[dict]             # CONNECT transcripts (redacted) of its proxy tunnels
    upstream: tuple[UpstreamRecord, ...] | None
    capture_on: bool = True


def _show(text: str) -> str:
    text = text.strip().replace("\n", "⏎")
    return repr(text if len(text) <= SHOW else text[:SHOW] + "…")


def _count(label: str, n: int, spec: dict | None) -> list[MismatchDetail]:
    spec = spec or {}
    lo, hi = spec.get("min"), spec.get("max")
    if (lo is not None and n < lo) or (hi is not None and n > hi):
        want = f"between {lo if lo is not None else 0} and {hi if hi is not None else '∞'}"
        return [MismatchDetail(label, want, str(n))]
    return []


def check_process(run: SealedRun, expect: dict, redact: Redact) -> list[MismatchDetail]:
    out: list[MismatchDetail] = []
    if run.error:
        out.append(MismatchDetail("client sandbox", "the client to start", redact(run.error)))
        return out
    if run.timed_out:
        out.append(MismatchDetail("client exit", "the client to end by itself",
                                  f"still running after {run.seconds:.1f} s, killed (a hang or a retry loop)"))
        return out
    want = expect.get("exit", 0)
    if want == "nonzero" and run.exit_code == 0:
        out.append(MismatchDetail("client exit", "a non-zero exit code (the client must fail)", "0"))
    elif want != "nonzero" and run.exit_code != want:
        out.append(MismatchDetail("client exit", str(want),
                                  f"{run.exit_code}; output {_show(redact(run.output[-400:]))}"))
    within = expect.get("within")
    if within is not None and run.seconds > float(within):
        out.append(MismatchDetail("client duration", f"at most {within} s", f"{run.seconds:.1f} s"))
    return out


def check_output(output: str, expect: dict | None, redact: Redact) -> list[MismatchDetail]:
    exp = expect or {}
    out: list[MismatchDetail] = []
    shown = _show(redact(output[-400:]))
    for needle in exp.get("contains", []):
        if str(needle) not in output:
            out.append(MismatchDetail("client output", f"to contain {redact(str(needle))!r}", shown))
    for needle in exp.get("not_contains", []):
        if needle and str(needle) in output:
            out.append(MismatchDetail("client output", f"not to contain {redact(str(needle))!r}", "it does"))
    for rx in exp.get("match", []):
        if not re.search(str(rx), output):
            out.append(MismatchDetail("client output", f"to match /{rx}/", shown))
    return out


def _har_headers(entry: dict) -> tuple[tuple[str, str], ...]:
    return tuple((h.get("name", ""), h.get("value", "")) for h in entry.get("request", {}).get("headers", []))


def _redact_expect(headers: dict, redact: Redact) -> dict:
    out = dict(headers)
    for key in ("equal", "match"):
        if key in out:
            out[key] = {k: (redact(str(v)) if key == "equal" else v) for k, v in out[key].items()}
    return out


def check_sent(obs: Observed, expect: dict | None, redact: Redact) -> list[MismatchDetail]:
    if not expect:
        return []
    if not obs.capture_on:
        return [MismatchDetail("client requests", "the capture to show what the client sent",
                               "capture is off (--aigw-capture off): not observable")]
    out: list[MismatchDetail] = []
    n = len(obs.flows) + len(obs.handshakes)
    out += _count("client requests to the gateway", n, expect.get("requests") or {"min": 1})
    if expect.get("headers"):
        want = _redact_expect(expect["headers"], redact)
        for entry in obs.flows:
            req = entry.get("request", {})
            label = f"sent header ({req.get('method')} {req.get('url', '').split('?')[0].rsplit('/', 2)[-1]})"
            out += check_headers(_har_headers(entry), want, label=label)
    if expect.get("status") is not None:
        allowed = allowed_statuses(expect["status"])
        for entry in obs.flows:
            got = entry.get("response", {}).get("status")
            if got not in allowed:
                req = entry.get("request", {})
                out.append(MismatchDetail(f"gateway status ({req.get('method')} {req.get('url', '')})",
                                          " or ".join(map(str, allowed)), str(got)))
    shake = expect.get("handshake")
    if shake:
        if not obs.handshakes:
            out.append(MismatchDetail("proxy handshake", "a CONNECT through the proxy", "none in the capture"))
        for t in obs.handshakes:
            if shake.get("status") is not None and t.get("status") not in allowed_statuses(shake["status"]):
                out.append(MismatchDetail("proxy handshake status", str(shake["status"]), str(t.get("status"))))
            if shake.get("proxy_authorization") is not None:
                m = re.search(r"(?im)^proxy-authorization:\s*(.*?)\r?$", t.get("request", ""))
                got = m.group(1) if m else None
                if got != redact(str(shake["proxy_authorization"])):
                    out.append(MismatchDetail("proxy handshake Proxy-Authorization",
                                              redact(str(shake["proxy_authorization"])), str(got)))
    return out


def _leak(rec: UpstreamRecord, needle: str) -> str | None:
    for name, value in rec.headers:
        if needle in value:
            return f"header {name}"
    return "body" if needle in rec.body.decode("utf-8", "replace") else None


def check_upstream(records: tuple[UpstreamRecord, ...] | None, expect: dict | None,
                   redact: Redact) -> list[MismatchDetail]:
    if not expect:
        return []
    if records is None:
        return [MismatchDetail("provider", "canary records", "none: the target's upstream is not observable")]
    if expect.get("reached") is False:
        if records:
            return [MismatchDetail("provider reached", "no request of this client to reach the provider",
                                   f"{len(records)} did ({records[0].method} {records[0].path})")]
        return []
    out = _count("requests that reached the provider", len(records),
                 expect.get("requests") or ({"min": 1} if expect.get("reached") else {}))
    for rec in records:
        if expect.get("headers"):
            out += check_headers(rec.headers, expect["headers"], label=f"provider header ({rec.method} {rec.path})")
        for needle in expect.get("not_contains", []):
            where = _leak(rec, str(needle)) if needle else None
            if where:
                out.append(MismatchDetail(f"provider {where} ({rec.path})", f"not to contain {redact(str(needle))!r}",
                                          "it does"))
    return out


def check_client(obs: Observed, expect: dict, redact: Redact) -> list[MismatchDetail]:
    details = check_process(obs.run, expect, redact)
    if obs.run.error:
        return details
    details += check_output(obs.run.output, expect.get("output"), redact)
    details += check_sent(obs, expect.get("sent"), redact)
    details += check_upstream(obs.upstream, expect.get("upstream"), redact)
    return details


__all__ = ["Observed", "check_client", "check_process", "check_output", "check_sent", "check_upstream"]
