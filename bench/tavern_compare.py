"""The same 200 checks in Tavern 3.7.1 (pytest 8.4, its own virtual environment) vs the harness.

    python3 bench/tavern_compare.py [N] [--rounds 5] [--venv bench/.venv-tavern]

Tavern is what people would pick instead: YAML API tests on pytest. It runs in its own venv
(created on first use: `python -m venv bench/.venv-tavern` + `pip install tavern==3.7.1 "pytest>=8.4,<8.5"`;
git-ignored; never installed into the project's environment). The N checks are N Tavern tests in one
`test_bench.tavern.yaml`, each one stage: GET the OpenAI models route of the same external gateway
(bench/fast_gateway.py) with the same token in `Authorization: Bearer`, the tracking id in the query
and the header as the harness sends them, expect status 200. Whole-process wall time, alternated
back to back with `aigw-conformance run --capture off` on the generated checks (bench/direct_checks.py),
medians of ROUNDS; the bare httpx loop runs in each round too, as the floor. A round where a side did not
pass all N checks is not counted. Tavern's requests library sends its own default headers (the
gateway's request counts show them); the checks and what they prove are the same.
"""

from __future__ import annotations

import argparse
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import yaml  # noqa: E402

from _checks import (MODELS, TOKEN_ENV, Side, describe_shapes, external_gateway, run_bare, run_harness,  # noqa: E402
                     write_suites)
from _common import HERE, fmt_runs, footer, header, median, refuse, timed  # noqa: E402

TAVERN = "tavern==3.7.1"
PYTEST = "pytest>=8.4,<8.5"


def ensure_venv(venv: Path) -> Path | str:
    """The venv's python with Tavern 3.7.1 and pytest 8.4 in it, or why it could not be made."""
    py = venv / "bin" / "python"
    check = [str(py), "-c", "import tavern, pytest; print(tavern.__version__, pytest.__version__)"]
    if py.exists():
        got = subprocess.run(check, capture_output=True, text=True, timeout=60)
        if got.returncode == 0 and got.stdout.split()[:1] == ["3.7.1"] and got.stdout.split()[1].startswith("8.4"):
            return py
    print(f"# creating {venv} with {TAVERN}, {PYTEST} (PyPI)", flush=True)
    for cmd in ([sys.executable, "-m", "venv", "--clear", str(venv)],
                [str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check", TAVERN, PYTEST]):
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        if r.returncode != 0:
            return f"{' '.join(cmd[:4])}… failed: {(r.stdout + r.stderr)[-800:]}"
    return py


def tavern_versions(py: Path) -> str:
    out = subprocess.run([str(py), "-c", "import tavern, pytest, requests; "
                          "print(tavern.__version__, pytest.__version__, requests.__version__)"],
                         capture_output=True, text=True, timeout=60).stdout.split()
    return f"tavern {out[0]}, pytest {out[1]} (own venv), requests {out[2]}" if len(out) == 3 else "unknown"


def write_tavern(folder: Path, base: str, n: int) -> Path:
    docs = []
    for i in range(n):
        trk = f"aigw-trk-{secrets.token_hex(16)}"
        docs.append({"test_name": f"bench check {i:05d}", "stages": [{
            "name": "models",
            "request": {"url": base + MODELS, "method": "GET", "params": {"aigw_tracking_id": trk},
                        "headers": {"Authorization": f"Bearer {{tavern.env_vars.{TOKEN_ENV}}}",
                                    "X-Aigw-Tracking-Id": trk}},
            "response": {"status_code": 200}}]})
    path = folder / "test_bench.tavern.yaml"
    path.write_text(yaml.safe_dump_all(docs, sort_keys=False))
    return path


def run_tavern(py: Path, test_file: Path, n: int, ext) -> Side:
    ext.reset_shapes()
    t = timed([str(py), "-m", "pytest", "-p", "no:cacheprovider", "-q", test_file.name], cwd=test_file.parent,
              env=ext.env, checkout=False, timeout=600)
    ok = t.rc == 0 and f"{n} passed" in t.tail
    return Side(t.seconds, ok, "" if ok else f"tavern exit {t.rc}: {t.tail or t.output[-600:]}", ext.shapes())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("n", nargs="?", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--venv", type=Path, default=HERE / ".venv-tavern")
    args = ap.parse_args()
    header(f"{args.n} checks: Tavern vs the harness (--capture off), medians of {args.rounds}")
    py = ensure_venv(args.venv)
    if isinstance(py, str):
        return refuse(py)
    print(f"# tavern    {tavern_versions(py)}")
    runs: dict[str, list[float]] = {"bare": [], "tavern": [], "harness": []}
    with tempfile.TemporaryDirectory(prefix="aigw-bench-tavern-") as tmp:
        folder = Path(tmp)
        suites = write_suites(folder / "suites", args.n)
        with external_gateway(folder) as ext:
            print(f"# gateway   bench/fast_gateway.py at {ext.base_url}")
            (folder / "tavern").mkdir()
            test_file = write_tavern(folder / "tavern", ext.base_url, args.n)
            warm_t, warm_h = run_tavern(py, test_file, args.n, ext), run_harness(ext, suites, args.n, folder / "w", "off")
            if not (warm_t.ok and warm_h.ok):
                return refuse(warm_t.why or warm_h.why)
            print(f"  tavern : gateway received {describe_shapes(warm_t.shapes)}")
            print(f"  harness: gateway received {describe_shapes(warm_h.shapes)}")
            for i in range(args.rounds):
                b = run_bare(ext, args.n)
                t = run_tavern(py, test_file, args.n, ext)
                h = run_harness(ext, suites, args.n, folder / f"r{i}", "off")
                bad = next((s.why for s in (b, t, h) if not s.ok), "")
                print(f"round {i + 1}: bare {b.seconds:5.2f} s, tavern {t.seconds:5.2f} s, harness {h.seconds:5.2f} s"
                      + (f"  NOT COUNTED: {bad}" if bad else ""), flush=True)
                if not bad:
                    for k, s in (("bare", b), ("tavern", t), ("harness", h)):
                        runs[k].append(s.seconds)
    if not runs["tavern"]:
        return refuse("no round finished with every check passed on every side")
    mb, mt, mh = (median(runs[k]) for k in ("bare", "tavern", "harness"))
    print(f"bare httpx loop : median {mb:5.2f} s ({fmt_runs(runs['bare'])})")
    print(f"tavern 3.7.1    : median {mt:5.2f} s ({fmt_runs(runs['tavern'])})  = {mt / mb:4.1f}x bare")
    print(f"harness         : median {mh:5.2f} s ({fmt_runs(runs['harness'])})  = {mh / mb:4.1f}x bare")
    word = "slower" if mh > mt else "faster"
    print(f"ratio harness / tavern : {mh / mt:5.2f}x (the harness is {max(mh / mt, mt / mh):.2f}x {word} than Tavern)")
    footer()
    return 0


if __name__ == "__main__":
    sys.exit(main())
