"""The bare side of bench/direct_checks.py: a plain httpx loop sending the requests the harness sends.

    python bench/bare_loop.py BASE_URL N        (token from AIGW_BENCH_TOKEN)

"The same requests" means what the gateway receives from `aigw-conformance run --capture off` for the
generated checks (bench/direct_checks.py compares the two, request shape by request shape, at the
gateway): GET <base>/api/v2/ai-gateway/openai/v1/models?aigw_tracking_id=<fresh id>, with httpx's
default headers, `Authorization: Bearer <token>` and `X-Aigw-Tracking-Id: <the same id>`; one httpx.Client whose idle connections expire after 0.5 s like the
harness's, so back-to-back requests share one connection. Each answer is checked (status 200), as the
harness checks it; exit 1 when one is not.
"""

from __future__ import annotations

import os
import secrets
import sys

import httpx

MODELS = "/api/v2/ai-gateway/openai/v1/models"


def main(base: str, n: int) -> int:
    token = os.environ["AIGW_BENCH_TOKEN"]
    bad = 0
    limits = httpx.Limits(keepalive_expiry=0.5)
    with httpx.Client(limits=limits, trust_env=False, timeout=10, follow_redirects=False) as client:
        for i in range(n):
            trk = f"aigw-trk-{secrets.token_hex(16)}"
            r = client.get(base + MODELS, params={"aigw_tracking_id": trk},
                           headers=[("Authorization", f"Bearer {token}"), ("X-Aigw-Tracking-Id", trk)])
            bad += r.status_code != 200
    if bad:
        print(f"{bad} of {n} answers were not 200")
        return 1
    print(f"{n} requests, all 200")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2])))
