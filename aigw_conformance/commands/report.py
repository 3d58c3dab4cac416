"""Turn a run's allure results into an HTML report (Allure Report 3).

Writes RUN_DIR/html/index.html, grouped by profile and requirement, with each scenario's request,
response and capture attached. RUN_DIR defaults to reports/latest. The report loads its data with
fetch(), so --open serves it over http://127.0.0.1 rather than file:// (or use --single-file).
"""

from __future__ import annotations

import argparse
import functools
import http.server
import threading
import webbrowser
from pathlib import Path

from aigw_conformance import exitcodes
from aigw_conformance.report import html

NAME = "report"
HELP = "build the HTML report of a run (Allure Report 3)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_dir", nargs="?", metavar="RUN_DIR",
                        help="a reports/<run-id> folder or run id (default: reports/latest)")
    parser.add_argument("--reports-dir", default="reports", type=Path,
                        help="where run folders live (default: reports/)")
    parser.add_argument("--open", action="store_true",
                        help="serve the report on 127.0.0.1 and open it in a browser until Ctrl-C")
    parser.add_argument("--single-file", action="store_true",
                        help="one self-contained index.html that opens from file:// (bigger)")
    parser.add_argument("--name", help="report title (default: aigw-conformance <run-id>)")


def main(args: argparse.Namespace) -> int:
    run_dir = html.resolve_run_dir(args.run_dir, args.reports_dir)
    rep = html.generate(run_dir, single_file=args.single_file, name=args.name)
    print(f"HTML report: {rep.index} ({rep.results} results, {rep.captures} with capture)")
    if args.open:
        server, url = serve_dir(rep.index.parent)
        print(f"serving {url} (Ctrl-C to stop)")
        webbrowser.open(url)
        try:
            threading.Event().wait()
        finally:
            server.shutdown()
            server.server_close()
    return exitcodes.OK


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args) -> None:  # noqa: A002 - stdlib signature
        pass


def serve_dir(folder: Path, port: int = 0) -> tuple[http.server.ThreadingHTTPServer, str]:
    """Serve a folder on 127.0.0.1 in a daemon thread; the caller shuts it down."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True, name="aigw-report-http").start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/index.html"
