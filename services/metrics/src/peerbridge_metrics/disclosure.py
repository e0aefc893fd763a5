"""Suppression decided jointly over everything a funder holds of one program.

A funder keeps every report it was sent: months, quarters and each version of a report. Each
report (a *sheet* here: one version of one period) is named counts plus the equations inside it
(totals = sums of parts, suppression.py). Across sheets a reader can also use:

- **versions**: a count that did not change between two versions is one unknown for the reader
  (who may guess "unchanged"), so a value hidden in one version and shown in another is shown;
- **cumulative counts** (as of the period end: PHQ-9 outcomes, hospital use, exclusions): the same
  count with the same value in two periods' reports (a quarter and its last month) is one unknown;
- **quarter and months** (one snapshot: the versions current after one publication): a quarter's
  event count = the sum of its months' (or >= it, when the quarter's later as-of day counts more
  closed follow-up windows); a count of distinct participants lies between the largest month and
  the sum of the months.

Suppression over all of it: every cell of 1-10 is hidden (primary); cells hidden in an earlier
sheet stay hidden while unchanged (cross-report); then, with linear programming (scipy's HiGHS,
non-negative counts), every hidden count is bounded by all published figures together; while a
hidden count is pinned to one value, or a primary one is narrowed below the protection width, one
more published count of the new sheets sharing an equation with it is hidden (the smallest
non-zero one; complementary when the equations of one sheet pin it, cross-report when it takes
several, protection when it is narrowed but not pinned). Published sheets never change.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linprog

from .measures.periods import bounds
from .suppression import SMALLEST_SHOWN, Group

CellRef = tuple[str, int, str]  # period, version, cell name
Var = tuple[str, str, int]  # cell name, scope (period, or "*" for cumulative counts), value
PRIMARY = "primary: 1-10"
TOLERANCE = 1e-6
CACHED_COMPONENTS = 50_000
# Bounds of a component depend only on its equations, so they carry over from one publication round
# to the next (most of a program's components do not change when one more month is published).
_RANGES: dict[frozenset, dict[Var, tuple[float, float]]] = {}


@dataclass
class Sheet:
    """One version of one period's report, as the suppressor sees it (true counts)."""

    period: str
    version: int
    counts: dict[str, int]
    groups: list[Group]
    suppression: dict[str, str] = field(default_factory=dict)
    basis: dict[str, int] = field(default_factory=dict)  # period -> version current when this one was published
    fixed: bool = False  # already published: its suppression cannot change

    @property
    def label(self) -> str:
        return f"{self.period} v{self.version}"


@dataclass(frozen=True)
class CellKinds:
    """Which counts relate across reports (see the module docstring)."""

    cumulative: Callable[[str], bool]
    additive: Callable[[str], bool]
    distinct: Callable[[str], bool]


@dataclass(frozen=True)
class Constraint:
    """sum(coefficient * cell) == 0 (``equal``) or <= 0, as a reader could write it."""

    terms: tuple[tuple[CellRef, int], ...]
    equal: bool
    text: str

    @property
    def sheets(self) -> set[tuple[str, int]]:
        return {(period, version) for (period, version, _), _coef in self.terms}


@dataclass
class Outcome:
    suppression: dict[tuple[str, int], dict[str, str]]  # (period, version) -> cell -> rule
    equations: dict[tuple[str, int], list[str]]  # (period, version) -> the equations that involve it
    unprotected: list[str]  # hidden counts the new sheets could not protect (empty when all is well)
    linear_programs: int = 0


def months_of(quarter: str) -> list[str]:
    start, _end = bounds(quarter)
    return [f"{start.year:04d}-{start.month + i:02d}" for i in range(3)]


def constraints(sheets: Iterable[Sheet], kinds: CellKinds) -> list[Constraint]:
    """Every equation a reader holding all these sheets can write."""
    sheets = list(sheets)
    by_key = {(s.period, s.version): s for s in sheets}
    found: list[Constraint] = []
    for sheet in sheets:
        for group in sheet.groups:
            terms = (((sheet.period, sheet.version, group.total), 1),
                     *(((sheet.period, sheet.version, m), -1) for m in group.members))
            found.append(Constraint(terms, True, f"{sheet.label}: {group.total} = {' + '.join(group.members)}"))
    snapshots = {tuple(sorted(s.basis.items())) for s in sheets if s.basis}
    seen: set[tuple] = set()
    for snapshot in sorted(snapshots):
        current = dict(snapshot)
        for period, version in snapshot:
            if "-Q" not in period or (period, version) not in by_key:
                continue
            months = [(m, current[m]) for m in months_of(period) if (m, current.get(m)) in by_key]
            if len(months) != 3 or (key := (period, version, tuple(months))) in seen:
                continue
            seen.add(key)
            found += _quarter_constraints(by_key[(period, version)], [by_key[m] for m in months], kinds)
    return found


def _quarter_constraints(quarter: Sheet, months: list[Sheet], kinds: CellKinds) -> list[Constraint]:
    """Quarter vs months, each written only as it truly holds (a reader may know it holds)."""
    found = []
    label = " + ".join(m.label for m in months)
    for name, value in sorted(quarter.counts.items()):
        if not all(name in m.counts for m in months) or not (kinds.additive(name) or kinds.distinct(name)):
            continue
        q = ((quarter.period, quarter.version, name), 1)
        parts = [((m.period, m.version, name), 1) for m in months]
        total = sum(m.counts[name] for m in months)
        minus = [(ref, -1) for ref, _ in parts]
        if kinds.distinct(name):  # the same person may be active in several months
            found.append(Constraint((q, *minus), False, f"{quarter.label} {name} <= sum over {label}"))
        elif value == total:
            found.append(Constraint((q, *minus), True, f"{quarter.label} {name} = sum over {label}"))
        elif value > total:  # the quarter's later as-of day closes more windows
            found.append(Constraint((*parts, (q[0], -1)), False, f"{quarter.label} {name} >= sum over {label}"))
        else:
            found.append(Constraint((q, *minus), False, f"{quarter.label} {name} <= sum over {label}"))
        if kinds.distinct(name):
            for ref, _ in parts:
                found.append(Constraint(((ref, 1), (q[0], -1)), False,
                                        f"{ref[0]} v{ref[1]} {name} <= {quarter.label} {name}"))
    return found


class JointSuppression:
    """The sheets of one program, the equations between them, and the hidden counts' LP bounds."""

    def __init__(self, sheets: list[Sheet], kinds: CellKinds, protection_width: int) -> None:
        self.sheets, self.kinds, self.width = sheets, kinds, protection_width
        self.by_key = {(s.period, s.version): s for s in sheets}
        self.rules = constraints(sheets, kinds)
        self.occurrences: dict[Var, list[CellRef]] = {}
        for sheet in sheets:
            for name in sheet.counts:
                self.occurrences.setdefault(self.var(sheet, name), []).append((sheet.period, sheet.version, name))
        self._cache = _RANGES
        self.linear_programs = 0

    def var(self, sheet: Sheet, name: str) -> Var:
        scope = "*" if self.kinds.cumulative(name) else sheet.period
        return name, scope, sheet.counts[name]

    def var_of(self, ref: CellRef) -> Var:
        return self.var(self.by_key[ref[:2]], ref[2])

    def hidden(self, ref: CellRef) -> bool:
        return ref[2] in self.by_key[ref[:2]].suppression

    def known(self, var: Var) -> bool:
        return any(not self.hidden(ref) for ref in self.occurrences[var])

    def run(self) -> Outcome:
        fresh = [s for s in self.sheets if not s.fixed]
        for sheet in fresh:
            for name, value in sheet.counts.items():
                if 0 < value < SMALLEST_SHOWN:
                    sheet.suppression[name] = PRIMARY
        self._carry_forward(fresh)
        unprotected: list[str] = []
        while True:
            exposures = self._exposures()
            if not exposures:
                break
            progress = False
            for var, rule, component in exposures:
                pick = self._complement(var, component)
                if pick is None:
                    unprotected.append(self._where(var))
                    continue
                self._hide(pick, f"{rule}: protects {self._where(var)}")
                progress = True
            if not progress:
                break
        return Outcome({(s.period, s.version): dict(s.suppression) for s in fresh},
                       {(s.period, s.version): self._equations_of(s) for s in fresh}, sorted(set(unprotected)),
                       self.linear_programs)

    def _where(self, var: Var) -> str:
        """A hidden count as the audit names it: "<period> <cell>"."""
        period, _version, name = [ref for ref in self.occurrences[var] if self.hidden(ref)][-1]
        return f"{period} {name}"

    def _carry_forward(self, fresh: list[Sheet]) -> None:
        """A count hidden in a sheet already sent stays hidden while its value is unchanged."""
        for sheet in fresh:
            for name in sheet.counts:
                if name in sheet.suppression:
                    continue
                earlier = [ref for ref in self.occurrences[self.var(sheet, name)]
                           if self.by_key[ref[:2]].fixed and self.hidden(ref)]
                if earlier:
                    period, version, _ = earlier[-1]
                    sheet.suppression[name] = f"cross-report: hidden in {period} v{version}"

    def _hide(self, var: Var, rule: str) -> None:
        for ref in self.occurrences[var]:
            sheet = self.by_key[ref[:2]]
            if not sheet.fixed and ref[2] not in sheet.suppression:
                sheet.suppression[ref[2]] = rule

    def _linear(self) -> list[tuple[dict[Var, int], bool, float, Constraint]]:
        """Each constraint over the hidden counts: (coefficients, equal, right-hand side)."""
        rows = []
        for rule in self.rules:
            coefficients: dict[Var, int] = {}
            rhs = 0.0
            for ref, coef in rule.terms:
                var = self.var_of(ref)
                if self.known(var):
                    rhs -= coef * var[2]
                else:
                    coefficients[var] = coefficients.get(var, 0) + coef
            coefficients = {v: c for v, c in coefficients.items() if c}
            if coefficients:
                rows.append((coefficients, rule.equal, rhs, rule))
        return rows

    def _exposures(self) -> list[tuple[Var, str, list]]:
        """(hidden count, rule to name, its component's rows), one per component that leaks."""
        rows = self._linear()
        found = []
        for component in _components(rows):
            ranges = self._ranges(component)
            for var in sorted(ranges, key=lambda v: (not 0 < v[2] < SMALLEST_SHOWN, v)):
                low, high = ranges[var]
                low_i = math.ceil(low - TOLERANCE)
                high_i = math.floor(high + TOLERANCE) if high < math.inf else math.inf
                pinned = high_i <= low_i
                narrowed = 0 < var[2] < SMALLEST_SHOWN and high_i - low_i < self.width
                if pinned or narrowed:
                    sheets = {s for *_, rule in component for s in rule.sheets}
                    rule = "protection" if not pinned else "complementary" if len(sheets) == 1 else "cross-report"
                    found.append((var, rule, component))
                    break
        return found

    def _ranges(self, component: list) -> dict[Var, tuple[float, float]]:
        key = frozenset((tuple(sorted(c.items())), equal, rhs) for c, equal, rhs, _ in component)
        if key in self._cache:
            return self._cache[key]
        if len(self._cache) > CACHED_COMPONENTS:
            self._cache.clear()
        if simple := _one_sum(component):
            self._cache[key] = simple
            return simple
        variables = sorted({v for c, *_ in component for v in c})
        index = {v: i for i, v in enumerate(variables)}
        eq = [(c, rhs) for c, equal, rhs, _ in component if equal]
        ub = [(c, rhs) for c, equal, rhs, _ in component if not equal]

        def matrix(rows):  # noqa: ANN001, ANN202
            if not rows:
                return None, None
            a = np.zeros((len(rows), len(variables)))
            for r, (coefficients, _rhs) in enumerate(rows):
                for v, coef in coefficients.items():
                    a[r, index[v]] = coef
            return a, np.array([rhs for _c, rhs in rows])

        a_eq, b_eq = matrix(eq)
        a_ub, b_ub = matrix(ub)
        ranges = {}
        for v, i in index.items():
            objective = np.zeros(len(variables))
            objective[i] = 1
            low = linprog(objective, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
            high = linprog(-objective, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
            self.linear_programs += 2
            ranges[v] = (low.fun if low.status == 0 else 0.0, -high.fun if high.status == 0 else math.inf)
        self._cache[key] = ranges
        return ranges

    def _complement(self, var: Var, component: list) -> Var | None:
        """The published count of the new sheets best hidden next to protect ``var``."""
        def hideable(candidate: Var) -> bool:
            refs = self.occurrences[candidate]
            return self.known(candidate) and all(self.hidden(r) or not self.by_key[r[:2]].fixed for r in refs)

        direct, wider = set(), set()
        for _c, _equal, _rhs, rule in component:
            near = any(self.var_of(ref) == var for ref, _ in rule.terms)
            for ref, _coef in rule.terms:
                candidate = self.var_of(ref)
                if hideable(candidate):
                    (direct if near else wider).add(candidate)
        for pool in (direct, wider):
            if pool:
                return min(pool, key=lambda v: (v[2] == 0, v[2], v))
        return None

    def _equations_of(self, sheet: Sheet) -> list[str]:
        key = (sheet.period, sheet.version)
        texts = [rule.text for rule in self.rules if key in rule.sheets]
        if any(s.period == sheet.period and s.fixed for s in self.sheets):
            texts.append(f"{sheet.label}: each count unchanged since an earlier version is known from it")
        if any(self.kinds.cumulative(name) for name in sheet.counts):
            texts.append(f"{sheet.label}: a cumulative count equal in another report of the program is known from it")
        return texts


def _one_sum(component: list) -> dict[Var, tuple[float, float]] | None:
    """Closed form of the commonest case, one equation "sum of these hidden counts = c": each lies
    in [0, c] (and is c when alone). None for anything else (solved as a linear program)."""
    if len(component) != 1 or not component[0][1]:
        return None
    coefficients, _equal, rhs, _rule = component[0]
    signs = {coef for coef in coefficients.values()}
    if signs not in ({1}, {-1}):
        return None
    total = rhs * signs.pop()
    if len(coefficients) == 1:
        return {var: (total, total) for var in coefficients}
    return {var: (0.0, total) for var in coefficients}


def _components(rows: list) -> list[list]:
    """Rows grouped by the hidden counts they share (each group is one small linear program)."""
    parent: dict[Var, Var] = {}

    def find(v: Var) -> Var:
        while parent.setdefault(v, v) != v:
            parent[v] = parent[parent[v]]
            v = parent[v]
        return v

    for coefficients, *_ in rows:
        first, *rest = coefficients
        for other in rest:
            parent[find(other)] = find(first)
    grouped: dict[Var, list] = {}
    for row in rows:
        grouped.setdefault(find(next(iter(row[0]))), []).append(row)
    return [grouped[k] for k in sorted(grouped)]


def suppress_jointly(sheets: list[Sheet], kinds: CellKinds, protection_width: int) -> Outcome:
    """Decide the suppression of the sheets not yet published, jointly with those that are."""
    return JointSuppression(sheets, kinds, protection_width).run()
