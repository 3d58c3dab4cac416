import logging
import os
import sys

from aigw_common.unused_imports import skip_unused

skip_unused()   # a process of its own: nothing in it uses what this skips

from .cli import main  # noqa: E402

rc = main()
# Everything the process owns is closed by now (listeners, the proxy, the database folder): skip
# the interpreter's own teardown of mitmproxy's and uvicorn's modules, about 0.3 s that every run
# waits for when it stops the reference.
logging.shutdown()
sys.stdout.flush()
sys.stderr.flush()
os._exit(rc)
