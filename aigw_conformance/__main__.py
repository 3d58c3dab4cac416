import sys

from aigw_conformance.cli import main

sys.exit(main())
