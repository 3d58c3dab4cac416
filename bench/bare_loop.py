"""The bare side of bench/direct_checks.py: a plain httpx loop sending the requests the harness sends.

    python bench/bare_loop.py BASE_URL N [--through-tap]       (token from AIGW_BENCH_TOKEN)

"The same requests" means what the gateway receives from `aigw-conformance run --capture off` for the
generated checks (bench/direct_checks.py compares the two, request shape by request shape, at the
gateway): GET <base>/api/v2/ai-gateway/openai/v1/models?aigw_tracking_id=<fresh id>, with httpx's
default headers, `Authorization: Bearer <token>` and `X-Aigw-Tracking-Id: <the same id>`; one httpx.Client whose idle connections expire after 0.5 s like the
harness's, so back-to-back requests share one connection. Each answer is checked (status 200), as the
harness checks it; exit 1 when one is not. The pytest yardstick (bench/floor_checks.py) sends its
requests with the same two functions.

`--through-tap` is the yardstick of bench/capture_onoff.py: the same loop through a mitmproxy reverse
tap started in this process as a run starts its taps (the capture's master, mitmproxy's addons and
options of the taps), with none of the capture's own addons: nothing tagged, recorded or written.
What a mitmproxy in the path costs before the capture does anything.
"""

from __future__ import annotations

import os
import secrets
import sys
import tempfile
from pathlib import Path

import httpx

MODELS = "/api/v2/ai-gateway/openai/v1/models"


def client() -> httpx.Client:
    return httpx.Client(limits=httpx.Limits(keepalive_expiry=0.5), trust_env=False, timeout=10,
                        follow_redirects=False)


def check(c: httpx.Client, base: str, token: str) -> bool:
    """One check: the request, and whether its answer is the 200 expected."""
    trk = f"aigw-trk-{secrets.token_hex(16)}"
    r = c.get(base + MODELS, params={"aigw_tracking_id": trk},
              headers=[("Authorization", f"Bearer {token}"), ("X-Aigw-Tracking-Id", trk)])
    return r.status_code == 200


def bare_tap(base: str, log: Path):
    """A reverse tap in front of `base` with no capture addon; (its URL, its master handle)."""
    from aigw_common.redaction import Redactor
    from aigw_conformance.capture.capture import TAP_OPTIONS
    from aigw_conformance.capture.master import start_master

    spec = f"reverse:{base}@127.0.0.1:0"
    handle = start_master([spec], [], TAP_OPTIONS, log, Redactor())
    host, port = handle.listen[spec][:2]
    return f"http://{host}:{port}", handle


def main(base: str, n: int, through_tap: bool = False) -> int:
    token = os.environ["AIGW_BENCH_TOKEN"]
    with tempfile.TemporaryDirectory(prefix="aigw-bench-tap-") as tmp:
        tap = bare_tap(base, Path(tmp) / "mitmproxy.log") if through_tap else None
        with client() as c:
            bad = sum(not check(c, tap[0] if tap else base, token) for _ in range(n))
        if tap is not None:
            tap[1].stop()
    if bad:
        print(f"{bad} of {n} answers were not 200")
        return 1
    print(f"{n} requests, all 200")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2]), "--through-tap" in sys.argv[3:]))
