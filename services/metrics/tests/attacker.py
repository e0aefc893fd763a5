"""An outside analyst holding every report a funder was sent for one program, bounding each suppressed
count with linear programming (non-negative counts). Written apart from the suppressor: one global
linear program per question, its own reading of which counts relate, and knowledge the suppressor
only assumes (the true "unchanged" between versions and the true quarter/month relations).

A report here is the dict a funder receives (measures, suppression, version, published_at) plus,
for the attacker's oracle, the report's true counts and its report equations (the report layout:
totals = sums of parts, documented in docs/metrics.md)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import csr_array
from scipy.sparse.csgraph import connected_components

AS_OF_PERIOD_END = ("excluded_", "phq9_", "admissions_", "inpatient_days_", "ed_visits_", "readmission_due_30d",
                    "readmitted_30d", "not_readmitted_30d")


@dataclass
class Held:
    """One report version as the analyst holds it."""

    period: str
    version: int
    published_at: object
    measures: dict
    suppression: dict
    totals: list[tuple[str, tuple[str, ...]]]  # the report's own equations
    truth: dict[str, int]  # oracle only: never read for a suppressed value's bounds

    @property
    def counts(self) -> list[str]:
        return list(self.truth)


@dataclass
class Finding:
    period: str
    version: int
    cell: str
    low: int
    high: float
    truth: int

    @property
    def width(self) -> float:
        return self.high - self.low


@dataclass
class Attack:
    reports: list[Held]
    names: dict = field(default_factory=dict)
    eq: list = field(default_factory=list)
    ub: list = field(default_factory=list)
    programs_solved: int = 0

    def column(self, report: Held, cell: str) -> int:
        return self.names.setdefault((report.period, report.version, cell), len(self.names))

    def build(self) -> None:
        for report in self.reports:
            for cell in report.counts:
                self.column(report, cell)
            for total, parts in report.totals:
                self.eq.append({self.column(report, total): 1, **{self.column(report, p): -1 for p in parts}})
        self._versions_and_cumulative()
        self._quarters()

    def _same(self, a: Held, b: Held, cell: str) -> None:
        self.eq.append({self.column(a, cell): 1, self.column(b, cell): -1})

    def _versions_and_cumulative(self) -> None:
        """A count equal in two versions of a period, or a cumulative count equal in two reports:
        the analyst guesses "unchanged" (each such class is tied to its first member)."""
        first: dict[tuple, Held] = {}
        for report in self.reports:
            for cell in report.counts:
                scope = "as of" if cell.startswith(AS_OF_PERIOD_END) else report.period
                key = (cell, scope, report.truth[cell])
                if key in first:
                    self._same(first[key], report, cell)
                else:
                    first[key] = report

    def _quarters(self) -> None:
        instants = sorted({r.published_at for r in self.reports})
        done = set()
        for instant in instants:
            current = {}
            for r in sorted(self.reports, key=lambda r: (r.published_at, r.version)):
                if r.published_at <= instant:
                    current[r.period] = r
            for period, quarter in current.items():
                if "-Q" not in period:
                    continue
                year, q = int(period[:4]), int(period[-1])
                months = [current.get(f"{year:04d}-{3 * (q - 1) + k:02d}") for k in (1, 2, 3)]
                if None in months:
                    continue
                key = (quarter.period, quarter.version, tuple((m.period, m.version) for m in months))
                if key in done:
                    continue
                done.add(key)
                self._quarter(quarter, months)

    def _quarter(self, quarter: Held, months: list[Held]) -> None:
        for cell in quarter.counts:
            if cell.startswith(AS_OF_PERIOD_END) or not all(cell in m.truth for m in months):
                continue
            q = self.column(quarter, cell)
            parts = {self.column(m, cell): 1 for m in months}
            total = sum(m.truth[cell] for m in months)
            if cell.startswith("participants_active"):  # distinct people: max(month) <= quarter <= sum
                self.ub.append({q: 1, **{p: -1 for p in parts}})
                for p in parts:
                    self.ub.append({p: 1, q: -1})
            elif quarter.truth[cell] == total:
                self.eq.append({q: 1, **{p: -1 for p in parts}})
            elif quarter.truth[cell] > total:
                self.ub.append({**parts, q: -1})
            else:
                self.ub.append({q: 1, **{p: -1 for p in parts}})

    def bounds(self) -> list[Finding]:
        """[low, high] of every suppressed count of every report, from the published figures: one
        linear program per question over the connected part of the system around the count."""
        self.build()
        fixed: dict[int, int] = {}
        wanted: dict[int, tuple[Held, str]] = {}
        for report in self.reports:
            for cell in report.counts:
                column = self.names[(report.period, report.version, cell)]
                if cell in report.suppression:
                    wanted[column] = (report, cell)
                else:
                    fixed[column] = report.measures[cell]
        rows = [(row, True) for row in self.eq] + [(row, False) for row in self.ub]
        labels = self._parts(rows, fixed)
        findings = []
        for column, (report, cell) in wanted.items():
            part = [c for c in range(len(self.names)) if labels[c] == labels[column] and c not in fixed]
            index = {c: i for i, c in enumerate(part)}
            mine = [(row, equal) for row, equal in rows if any(c in index for c in row)]
            a_eq, b_eq = self._matrix([r for r, equal in mine if equal], index, fixed)
            a_ub, b_ub = self._matrix([r for r, equal in mine if not equal], index, fixed)
            objective = np.zeros(len(part))
            objective[index[column]] = 1
            low = linprog(objective, A_eq=a_eq, b_eq=b_eq, A_ub=a_ub, b_ub=b_ub, bounds=(0, None))
            high = linprog(-objective, A_eq=a_eq, b_eq=b_eq, A_ub=a_ub, b_ub=b_ub, bounds=(0, None))
            self.programs_solved += 2
            assert low.status == 0, f"the published figures contradict each other: {low.message}"
            top = math.floor(-high.fun + 1e-6) if high.status == 0 else math.inf
            findings.append(Finding(report.period, report.version, cell, math.ceil(low.fun - 1e-6), top,
                                    report.truth[cell]))
        return findings

    def _parts(self, rows: list, fixed: dict[int, int]) -> np.ndarray:
        """Connected parts of the unknown counts (published ones are constants, not links)."""
        n = len(self.names)
        links = []
        for row, _equal in rows:
            free = [c for c in row if c not in fixed]
            links += [(a, b) for a, b in zip(free, free[1:], strict=False)]
        if not links:
            return np.arange(n)
        a, b = zip(*links, strict=True)
        graph = csr_array((np.ones(len(links)), (a, b)), shape=(n, n))
        return connected_components(graph, directed=False)[1]

    @staticmethod
    def _matrix(rows: list[dict], index: dict[int, int], fixed: dict[int, int]):  # noqa: ANN205
        if not rows:
            return None, None
        matrix, rhs = np.zeros((len(rows), len(index))), np.zeros(len(rows))
        for r, row in enumerate(rows):
            for column, coefficient in row.items():
                if column in fixed:
                    rhs[r] -= coefficient * fixed[column]
                else:
                    matrix[r, index[column]] += coefficient
        return matrix, rhs


def attack(reports: list[Held]) -> tuple[list[Finding], int]:
    found = Attack(reports)
    return found.bounds(), found.programs_solved
