"""Runs inside the sealed namespace (network: loopback only; pid: this process is 1).

    unshare --net --pid --fork --kill-child python3 -I netns_init.py SPEC.json

Standard library only, and no import of the harness: it is started with `python -I` from a fresh
namespace. SPEC (written by sandbox.py into the run's private folder) says which loopback ports to
serve and the Unix socket each one is relayed to, the client's argv, env, cwd and time limit, and
where to write the result. The loopback interface is brought up with an ioctl (no iproute2 needed).

Because this process is PID 1 of its own PID namespace, everything the client started dies with it
when it exits: no helper, daemon or update process of a client can outlive the run.
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1
CHUNK = 65536


def loopback_up() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        ifr = struct.pack("16sH14x", b"lo", 0)
        flags = struct.unpack("16sH14x", fcntl.ioctl(s, SIOCGIFFLAGS, ifr))[1]
        fcntl.ioctl(s, SIOCSIFFLAGS, struct.pack("16sH14x", b"lo", flags | IFF_UP))


def pump(src: socket.socket, dst: socket.socket) -> None:
    try:
        while True:
            data = src.recv(CHUNK)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s, how in ((dst, socket.SHUT_WR), (src, socket.SHUT_RD)):
            try:
                s.shutdown(how)
            except OSError:
                pass


def serve(port: int, unix_path: str, counter: list[int]) -> socket.socket:
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", port))
    lsock.listen(64)

    def accept_loop() -> None:
        while True:
            try:
                conn, _ = lsock.accept()
            except OSError:
                return
            counter[0] += 1
            up = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                up.connect(unix_path)
            except OSError:
                conn.close()
                up.close()
                continue
            for a, b in ((conn, up), (up, conn)):
                threading.Thread(target=pump, args=(a, b), daemon=True).start()

    threading.Thread(target=accept_loop, daemon=True).start()
    return lsock


def main(spec_path: str) -> int:
    with open(spec_path, encoding="utf-8") as fh:
        spec = json.load(fh)
    result: dict = {"exit_code": None, "timed_out": False, "error": None}
    try:
        loopback_up()
        result["interfaces"] = sorted(name for _, name in socket.if_nameindex())
        counter = [0]
        listeners = [serve(int(f["port"]), f["unix"], counter) for f in spec["forwards"]]
        with open(spec["stdout"], "wb") as out, open(spec["stderr"], "wb") as err:
            start = time.monotonic()
            proc = subprocess.Popen(spec["argv"], env=spec["env"], cwd=spec["cwd"], stdin=subprocess.DEVNULL,
                                    stdout=out, stderr=err, start_new_session=True)
            try:
                result["exit_code"] = proc.wait(timeout=float(spec["timeout"]))
            except subprocess.TimeoutExpired:
                result["timed_out"] = True
                os.killpg(proc.pid, signal.SIGKILL)
                result["exit_code"] = proc.wait()
            result["seconds"] = round(time.monotonic() - start, 3)
        result["connections"] = counter[0]
        for lsock in listeners:
            lsock.close()
    except Exception as exc:  # noqa: BLE001 - reported to the harness as the sandbox's own error
        result["error"] = f"{type(exc).__name__}: {exc}"
    tmp = spec["result"] + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(result, fh)
    os.replace(tmp, spec["result"])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
