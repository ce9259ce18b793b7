#!/usr/bin/env python3
"""Tally's standard workload (docs/benchmark.md): generator, expected outcomes, scenario runner, benchmark.

The code is the package `workload/` beside this file; run `python3 load-tests/workload.py --help`.
"""

import sys

from workload.cli import main

if __name__ == "__main__":
    sys.exit(main())
