import logging
import os
import sys

from .cli import main

rc = main()
# Everything the process owns is closed by now (listeners, the proxy, the database folder): skip
# the interpreter's own teardown of mitmproxy's and uvicorn's modules, about 0.3 s that every run
# waits for when it stops the reference.
logging.shutdown()
sys.stdout.flush()
sys.stderr.flush()
os._exit(rc)
