"""How long ``msgstore --help`` takes, run after run (as hyperfine would measure it), and what it imports.

    python -m bench.cli_help                 # 20 runs of `msgstore --help`
    python -m bench.cli_help --runs 50 -- serve --help
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time

RUN_CLI = """
import sys
from api.cli.main import main
sys.argv = ["msgstore", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
"""
WARMUP = 3  # runs first, unmeasured: the file cache holds the modules after them


def timed(command: list[str], runs: int) -> list[float]:
    """Seconds of each run of ``command``, after ``WARMUP`` runs."""
    env = {**os.environ, "COLUMNS": "100"}
    for _ in range(WARMUP):
        subprocess.run(command, check=True, capture_output=True, env=env)
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, env=env)
        seconds.append(time.perf_counter() - started)
    return seconds


def slowest_imports(args: list[str], top: int = 8) -> list[tuple[int, str]]:
    """The modules whose import (with what they import) took longest, in microseconds."""
    code = RUN_CLI
    found = subprocess.run([sys.executable, "-X", "importtime", "-c", code, *args], capture_output=True, text=True)
    rows = []
    for line in found.stderr.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            rows.append((int(parts[1]), parts[2].rstrip()))
    return sorted(rows, reverse=True)[:top]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("args", nargs="*", default=["--help"])
    options = parser.parse_args()
    command = [shutil.which("msgstore") or "msgstore", *options.args]
    seconds = timed(command, options.runs)
    print(f"msgstore {' '.join(options.args)}: {options.runs} runs")
    print(
        f"  median {statistics.median(seconds):.3f} s, min {min(seconds):.3f} s, max {max(seconds):.3f} s,"
        f" mean {statistics.mean(seconds):.3f} s ± {statistics.pstdev(seconds):.3f}"
    )
    print("  slowest imports (cumulative):")
    for us, name in slowest_imports(options.args):
        print(f"    {us / 1000:7.1f} ms  {name}")


if __name__ == "__main__":
    main()
