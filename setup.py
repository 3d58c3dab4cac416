"""Build hook: a wheel carries the data a run needs (suites/, fixtures/, docs/protocol.md,
targets.yaml) as package data under aigw_conformance/_data/, while the source tree keeps them at its
top. The list lives in aigw_conformance/resources.py (PACKAGED), which also finds them at run time.
Everything else is in pyproject.toml."""

import runpy
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

TOP = Path(__file__).resolve().parent
_RES = runpy.run_path(str(TOP / "aigw_conformance" / "resources.py"))
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".*")


class BuildPyWithData(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the files at the top of the checkout
        dest = Path(self.build_lib) / "aigw_conformance" / _RES["DATA_PACKAGE_DIR"]
        shutil.rmtree(dest, ignore_errors=True)
        for rel in _RES["PACKAGED"]:
            src, out = TOP / rel, dest / rel
            out.parent.mkdir(parents=True, exist_ok=True)
            if src.is_dir():
                shutil.copytree(src, out, ignore=IGNORE)
            else:
                shutil.copy2(src, out)


setup(cmdclass={"build_py": BuildPyWithData})
