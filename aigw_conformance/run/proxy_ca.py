"""Where the proxy runner's trust anchor comes from: PEM text (the reference), a file, or the
gateway's own CA endpoint (AUTH-PROXY-009, `proxy_ca: endpoint`)."""

from __future__ import annotations

from pathlib import Path

from aigw_common import netguard
from aigw_common.netguard import NetworkPolicy
from aigw_common.redaction import Redactor
from aigw_conformance.errors import ConfigError, TargetError
from aigw_conformance.targets.model import PREFIXES, Target


def proxy_ca_pem(target: Target, policy: NetworkPolicy, redactor: Redactor) -> str | None:
    ca = target.proxy_ca
    if ca is None:
        return None
    if ca.lstrip().startswith("-----BEGIN"):
        return ca
    if ca == "endpoint":
        return _fetch(target, policy, redactor)
    try:
        return Path(ca).expanduser().read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read the proxy CA: {exc.strerror}", file=str(ca), field="proxy_ca") from None


def _session(target: Target) -> tuple[str | None, str]:
    """A Coder session for the CA endpoint, which requires one (AUTH-PROXY-009), and how it was
    chosen: the operator's token of a coder-api source, else a static source's valid token (a Coder
    API key is a session)."""
    source = target.token_source
    if source is not None and source.operator_token:
        return source.operator_token, "with the operator's session"
    if source is not None and source.static.get("valid"):
        return source.static["valid"], "with the static valid token as the session"
    return None, ("without a Coder session: the target's token source has neither an operator token nor a "
                  "valid token")


def _fetch(target: Target, policy: NetworkPolicy, redactor: Redactor) -> str:
    prefix = dict(target.prefixes).get("canonical", PREFIXES["canonical"])
    url = target.base_url.rstrip("/") + prefix + "/proxy/ca-cert.pem"
    session, how = _session(target)
    headers = {"Coder-Session-Token": session} if session else {}
    try:
        with netguard.client(policy, timeout=5.0, trust_env=False) as c:
            resp = c.get(url, headers=headers)
    except Exception as exc:  # noqa: BLE001 - the cause is reported, the run cannot use the proxy
        raise TargetError(f"cannot fetch the proxy CA certificate: {type(exc).__name__}: {exc}", url=url) from exc
    if resp.status_code == 200 and "BEGIN CERTIFICATE" in resp.text:
        return resp.text
    # Without the CA every proxy scenario failed its TLS handshake (CERTIFICATE_VERIFY_FAILED), an
    # error that named neither the cause nor the fix.
    said = redactor.redact(" ".join(resp.text.split())[:200])
    raise ConfigError(f"proxy_ca: endpoint, but GET {url} answered {resp.status_code} {said!r} (asked {how}), "
                      "not a PEM certificate; give the proxy's CA as a PEM file instead, or a token source "
                      "whose session may read it", file=target.file or None, line=target.line or None,
                      field="proxy_ca")
