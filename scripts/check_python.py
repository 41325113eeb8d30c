"""Fail early, with a clear message, when the Python running make is too old."""

import sys

if sys.version_info < (3, 11):
    sys.exit(f"innomap needs Python >= 3.11; {sys.executable} is "
             f"{sys.version.split()[0]}. Run: make PYTHON=python3.11 ...")
