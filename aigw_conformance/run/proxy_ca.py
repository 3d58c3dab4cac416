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
        return _fetch(target, policy)
    try:
        return Path(ca).expanduser().read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read the proxy CA: {exc.strerror}", file=str(ca), field="proxy_ca") from None


def _fetch(target: Target, policy: NetworkPolicy) -> str | None:
    prefix = dict(target.prefixes).get("canonical", PREFIXES["canonical"])
    url = target.base_url.rstrip("/") + prefix + "/proxy/ca-cert.pem"
    try:
        with netguard.client(policy, timeout=5.0, trust_env=False) as c:
            resp = c.get(url)
    except Exception as exc:  # noqa: BLE001 - the cause is reported, the run cannot use the proxy
        raise TargetError(f"cannot fetch the proxy CA certificate: {type(exc).__name__}: {exc}", url=url) from exc
    return resp.text if resp.status_code == 200 and "BEGIN CERTIFICATE" in resp.text else None
