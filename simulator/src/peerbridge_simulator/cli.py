"""``peerbridge-simulate``: play a realistic program through the gateway and print what happened.

    peerbridge-simulate --participants 200 --weeks 8 --seed 7 --gateway http://127.0.0.1:8000 \\
        --org org-demo --check

Exit status: 0 done (and, with --check, every figure matched); 1 a mismatch; 2 the run failed.
"""

from __future__ import annotations

import argparse
from datetime import date

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from .check import CheckReport
from .scenario import Config
from .simulation import Simulation
from .summary import summary_lines


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="peerbridge-simulate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=200)
    parser.add_argument("--weeks", type=int, default=8)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--gateway", default="http://127.0.0.1:8000", help="the gateway's base URL")
    parser.add_argument("--org", default="org-demo", help="organization (tenant) to play in")
    parser.add_argument("--until", type=date.fromisoformat, default=None,
                        help="the simulated weeks end the day before (default: this week's Monday)")
    parser.add_argument("--dev-key", default=None, help="dev token signing key (default: the gateway's, "
                                                        "GATEWAY_DEV_KEY_FILE or .stack/gateway/dev-signing-key.pem)")
    parser.add_argument("--retry-for", type=float, default=120.0,
                        help="seconds a request is retried on connection errors and 5xx")
    parser.add_argument("--check", action="store_true", help="compare /v1/measures and /v1/cases with the truth")
    parser.add_argument("--check-timeout", type=float, default=180.0, help="seconds to wait for metrics to catch up")
    parser.add_argument("--all-rows", action="store_true", help="with --check, print matching rows too")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    console = Console()
    config = Config(gateway=args.gateway, organization=args.org, participants=args.participants, weeks=args.weeks,
                    seed=args.seed, until=args.until, retry_for_s=args.retry_for)
    sim = Simulation(config, key_file=args.dev_key)
    columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
               TextColumn("{task.fields[requests]:,} requests"), TimeElapsedColumn())
    sim.start()
    try:
        with Progress(*columns, console=console, transient=True) as progress:
            task = progress.add_task(sim.phase, total=1.0, requests=0)
            while not sim.finished.wait(0.25):
                progress.update(task, completed=sim.progress, description=sim.phase,
                                requests=sim.gateway.stats.requests)
    except KeyboardInterrupt:
        sim.stop()
        sim.finished.wait(30)
        console.print("[yellow]stopped[/yellow]")
        return 2
    if sim.error is not None:
        _print_summary(console, sim)
        console.print(f"[red]simulation failed:[/red] {escape(str(sim.error))}")
        return 2
    _print_summary(console, sim)
    if not args.check:
        return 0
    with console.status("comparing /v1/measures and /v1/cases with the simulation (metrics may still be folding)"):
        report = sim.check(timeout_s=args.check_timeout)
    _print_check(console, report, args.all_rows)
    return 0 if report.ok else 1


def _print_summary(console: Console, sim: Simulation) -> None:
    if not sim.counts:
        return
    for line in summary_lines(sim):
        console.print(line, highlight=False, soft_wrap=True)
    for problem in sim.problems:
        console.print(f"  [yellow]problem[/yellow] {escape(problem)}")


def _print_check(console: Console, report: CheckReport, all_rows: bool) -> None:
    table = Table(title="figures that differ" if not all_rows else "every figure", title_justify="left")
    for column in ("family", "program", "month / instrument", "measure", "simulator", "metrics", ""):
        table.add_column(column)
    for row in report.rows:
        if all_rows or not row.ok:
            table.add_row(row.family, row.program, row.key, row.measure, str(row.expected), str(row.actual),
                          "[green]ok[/green]" if row.ok else "[red]MISMATCH[/red]")
    if table.rows:
        console.print(table)
    groups = {(row.family, row.program, row.key) for row in report.rows}
    console.print(f"check after {report.waited_s:.1f} s: {len(report.rows) - len(report.mismatches)} of "
                  f"{len(report.rows)} figures match ({len(groups)} rows of engagement, questionnaires, safety and "
                  "cohorts by program and month or instrument)", highlight=False, soft_wrap=True)
    for problem in report.problems:
        console.print(f"[red]problem[/red] {escape(problem)}")
    console.print("[green]check passed[/green]" if report.ok else "[red]check FAILED[/red]")

