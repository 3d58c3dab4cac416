"""Proof that nothing a client runs can leave loopback: the sealed namespace has only `lo`, every
non-loopback address is unreachable, a host port that was not forwarded is unreachable, names do not
resolve, the relay dials only policy-checked addresses, and nothing outlives the run."""

from __future__ import annotations

import http.server
import shutil
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from pathlib import Path

import pytest

from aigw_conformance.clients import Forward, SealedCommand, run_sealed
from aigw_conformance.clients.catalogue import CLIENTS, command
from aigw_common.netguard import LOOPBACK_ONLY, BlockedDestination, NetworkPolicy

PROBE = textwrap.dedent("""
    import socket, sys, urllib.request
    fwd, other = int(sys.argv[1]), int(sys.argv[2])
    print("forwarded", urllib.request.urlopen(f"http://127.0.0.1:{fwd}/", timeout=5).status)
    for host, port in [("127.0.0.1", other), ("10.255.255.1", 80), ("1.1.1.1", 443), ("::ffff:8.8.8.8", 53)]:
        try:
            socket.create_connection((host, port), timeout=3).close()
            print("CONNECTED", host, port)
        except OSError as exc:
            print("refused", host, port, exc.errno)
    try:
        socket.getaddrinfo("api.anthropic.com", 443)
        print("RESOLVED")
    except OSError:
        print("no dns")
""")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def servers():
    made = [http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Quiet) for _ in range(2)]
    for s in made:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    yield [s.server_address[1] for s in made]
    for s in made:
        s.shutdown()


def _run(folder: Path, argv, forwards, timeout=20.0, policy=LOOPBACK_ONLY, **kw):
    return run_sealed(SealedCommand(argv, env={"PATH": "/usr/bin:/bin"}, cwd=folder, forwards=forwards,
                                    timeout=timeout), folder=folder, policy=policy, **kw)


def test_only_loopback_and_only_the_forwarded_port(sealed, servers, tmp_path):
    fwd, other = servers
    tagged = []
    run = _run(tmp_path, [sys.executable, "-c", PROBE, str(fwd), str(other)], [Forward(fwd, "127.0.0.1", fwd)],
               on_connect=tagged.append)
    assert run.exit_code == 0, run.output
    assert run.interfaces == ("lo",)
    out = run.stdout
    assert "forwarded 200" in out
    assert "CONNECTED" not in out and "RESOLVED" not in out
    assert f"refused 127.0.0.1 {other}" in out            # the host's loopback is not the namespace's
    assert "refused 10.255.255.1 80" in out and "refused 1.1.1.1 443" in out and "no dns" in out
    assert run.connections == 1 and len(tagged) == 1     # one relayed connection, announced for tagging


def test_relay_refuses_a_destination_outside_the_policy(sealed, tmp_path):
    with pytest.raises(BlockedDestination):
        _run(tmp_path, ["true"], [Forward(443, "api.anthropic.com", 443)])
    with pytest.raises(BlockedDestination):   # even when "allowed", a provider host is never dialled
        _run(tmp_path, ["true"], [Forward(443, "api.openai.com", 443)],
             policy=NetworkPolicy(frozenset({"api.openai.com"})))


def test_nothing_outlives_the_run(sealed, tmp_path):
    # A detached daemon (as an updater or telemetry helper would be) dies with the namespace's PID 1.
    marker = f"aigw-orphan-{uuid.uuid4().hex}"
    spawn = (f"import subprocess, sys; subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(300)', "
             f"'{marker}'], start_new_session=True)")
    run = _run(tmp_path, [sys.executable, "-c", spawn], [])
    assert run.exit_code == 0, run.output
    time.sleep(0.3)
    left = subprocess.run(["pgrep", "-f", marker], capture_output=True, text=True).stdout.split()
    assert left == [], "a process of the sealed run survived it"


def test_a_hang_is_killed_in_bounded_time(sealed, tmp_path):
    started = time.monotonic()
    run = _run(tmp_path, [sys.executable, "-c", "import time; time.sleep(120)"], [], timeout=2.0)
    assert run.timed_out and run.exit_code != 0
    assert time.monotonic() - started < 15


def test_a_real_client_pointed_outside_loopback_gets_nowhere(sealed, tmp_path):
    """Claude Code aimed at 10.255.255.1: every connect() it makes fails (strace shows each one) and
    nothing is relayed. It retries network errors for minutes, so the sealed runner's limit ends it."""
    prog = CLIENTS["claude-code"]
    argv = command(prog)
    if argv is None:
        pytest.skip("claude-code is not installed (npm ci)")
    strace = shutil.which("strace")
    trace = tmp_path / "connect.trace"
    home = tmp_path / "home"
    home.mkdir()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), **prog.quiet_env,
           "ANTHROPIC_BASE_URL": "http://10.255.255.1:9", "ANTHROPIC_API_KEY": "sk-ant-aigwFAKE-egress-probe"}
    wrap = [strace, "-f", "-qq", "-e", "trace=connect", "-o", str(trace)] if strace else []
    run = run_sealed(SealedCommand([*wrap, *argv, "-p", "hi"], env=env, cwd=home, timeout=8.0), folder=tmp_path,
                     policy=LOOPBACK_ONLY)
    assert run.interfaces == ("lo",) and run.connections == 0
    assert run.timed_out or run.exit_code != 0, run.output
    if strace:
        calls = [line for line in trace.read_text().splitlines() if "AF_INET" in line]
        outside = [c for c in calls if "127.0.0.1" not in c and "::1" not in c]
        assert any("10.255.255.1" in c for c in outside), "the client never tried its base URL"
        assert all("ENETUNREACH" in c for c in outside), f"a connect() outside loopback did not fail: {outside}"
