"""CMS cell-size suppression for funder reports.

A report is a set of named cells (counts) and *groups*: equations that a reader can use, "this
total is the sum of these cells". No published cell may show 1-10 (0 is allowed), and no suppressed
value may be recoverable from the published ones (CMS cell-size suppression policy):

1. primary: every cell from 1 to 10 is suppressed;
2. complementary: while some suppressed cell is still uniquely determined by the published cells
   and the group equations (exact linear algebra over all groups at once, not only one group at
   a time), the smallest published non-zero cell of a group containing it is suppressed too.

Each suppressed cell carries the rule that hid it, so a report can say why.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

SMALLEST_SHOWN = 11


@dataclass(frozen=True)
class Group:
    total: str
    members: tuple[str, ...]


def _rank(rows: list[list[Fraction]]) -> int:
    rows = [row[:] for row in rows]
    rank, columns = 0, len(rows[0]) if rows else 0
    for column in range(columns):
        pivot = next((r for r in range(rank, len(rows)) if rows[r][column] != 0), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        for r in range(len(rows)):
            if r != rank and rows[r][column] != 0:
                factor = rows[r][column] / rows[rank][column]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[rank], strict=True)]
        rank += 1
    return rank


def determined(groups: Sequence[Group], hidden: set[str]) -> set[str]:
    """The hidden cells whose value follows exactly from the published cells and the groups."""
    unknowns = sorted(hidden)
    index = {name: i for i, name in enumerate(unknowns)}
    rows = []
    for group in groups:
        row = [Fraction(0)] * len(unknowns)
        for member in group.members:
            if member in index:
                row[index[member]] += 1
        if group.total in index:
            row[index[group.total]] -= 1
        if any(row):
            rows.append(row)
    if not rows:
        return set()
    base = _rank(rows)
    found = set()
    for name, i in index.items():
        unit = [Fraction(0)] * len(unknowns)
        unit[i] = Fraction(1)
        if _rank([*rows, unit]) == base:
            found.add(name)
    return found


def suppress(cells: Mapping[str, int], groups: Sequence[Group]) -> dict[str, str]:
    """Cell name -> why it is suppressed (``primary`` or ``complementary: ...``)."""
    reasons = {name: "primary: 1-10" for name, value in cells.items() if 0 < value < SMALLEST_SHOWN}
    while True:
        exposed = determined(groups, set(reasons))
        if not exposed:
            return reasons
        name = sorted(exposed)[0]
        candidates = [(cells[m], m) for g in groups if name == g.total or name in g.members
                      for m in (*g.members, g.total) if m not in reasons]
        if not candidates:  # cannot happen: a determined cell shares an equation with a published one
            raise AssertionError(f"{name} is exposed but no cell can protect it")
        nonzero = [c for c in candidates if c[0] > 0]
        _, pick = min(nonzero or candidates)
        reasons[pick] = f"complementary: protects {name}"
