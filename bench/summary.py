"""Print this run's headline figures (written by each benchmark through common.record) as one table.

Usage: python bench/summary.py RESULTS.jsonl   (``make bench`` runs every benchmark, then this)
"""

from __future__ import annotations

import json
import platform
import sys
from pathlib import Path


def main() -> None:
    rows = [json.loads(line) for line in Path(sys.argv[1]).read_text().splitlines() if line.strip()]
    cores = len(__import__("os").sched_getaffinity(0))
    print(f"\nPeerBridge benchmarks ({platform.machine()}, {cores} cores, Python {platform.python_version()})")
    print(f"{'measure':<52}{'figure':>14}  {'same-run baseline':<40}{'baseline':>12}{'ratio':>9}")
    for row in rows:
        figure = f"{row['figure']:,.1f} {row['unit']}"
        ratio = f"{row['ratio']:.3f}" if row["ratio"] is not None else "-"
        print(f"{row['measure']:<52}{figure:>14}  {row['baseline']:<40}{row['baseline_figure']:>12,.2f}{ratio:>9}")


if __name__ == "__main__":
    main()
