"""No published cell of 1-10 and no suppressed value derivable, on data built to tempt it."""

from hypothesis import given, settings
from hypothesis import strategies as st

from peerbridge_metrics.suppression import Group, determined, suppress


def published(cells, reasons):
    return {name: value for name, value in cells.items() if name not in reasons}


def test_a_single_small_site_is_suppressed_with_a_complement_so_total_minus_others_reveals_nothing():
    cells = {"total": 143, "site-a": 70, "site-b": 64, "site-c": 9}
    reasons = suppress(cells, [Group("total", ("site-a", "site-b", "site-c"))])
    assert reasons == {"site-c": "primary: 1-10", "site-b": "complementary: protects site-c"}


def test_zero_is_shown_and_nothing_else_is_touched_when_no_cell_is_small():
    cells = {"total": 40, "a": 0, "b": 40}
    assert suppress(cells, [Group("total", ("a", "b"))]) == {}


def test_a_small_total_hides_its_cells_too():
    cells = {"total": 7, "a": 7, "b": 0}
    reasons = suppress(cells, [Group("total", ("a", "b"))])
    assert set(reasons) >= {"total", "a"}
    assert not determined([Group("total", ("a", "b"))], set(reasons))


def test_a_cross_table_cannot_be_solved_by_combining_rows_and_columns():
    # rows: sites, columns: outcomes; every row and column total is published
    cells = {"r1": 50, "r2": 60, "c1": 55, "c2": 55, "all": 110,
             "r1c1": 5, "r1c2": 45, "r2c1": 50, "r2c2": 10}
    groups = [Group("r1", ("r1c1", "r1c2")), Group("r2", ("r2c1", "r2c2")), Group("c1", ("r1c1", "r2c1")),
              Group("c2", ("r1c2", "r2c2")), Group("all", ("r1", "r2")), Group("all", ("c1", "c2"))]
    reasons = suppress(cells, groups)
    assert {"r1c1", "r2c2"} <= set(reasons)
    assert not determined(groups, set(reasons))
    assert all(not 0 < v < 11 for v in published(cells, reasons).values())


@st.composite
def site_tables(draw):
    """Sites x categories with site totals, category totals and a grand total, many small counts."""
    sites = draw(st.integers(min_value=1, max_value=5))
    categories = draw(st.integers(min_value=1, max_value=4))
    value = st.one_of(st.integers(0, 12), st.integers(0, 200))
    cells, groups = {}, []
    for s in range(sites):
        for c in range(categories):
            cells[f"s{s}c{c}"] = draw(value)
    for s in range(sites):
        members = tuple(f"s{s}c{c}" for c in range(categories))
        cells[f"s{s}"] = sum(cells[m] for m in members)
        groups.append(Group(f"s{s}", members))
    for c in range(categories):
        members = tuple(f"s{s}c{c}" for s in range(sites))
        cells[f"c{c}"] = sum(cells[m] for m in members)
        groups.append(Group(f"c{c}", members))
    cells["all"] = sum(cells[f"s{s}"] for s in range(sites))
    groups.append(Group("all", tuple(f"s{s}" for s in range(sites))))
    groups.append(Group("all", tuple(f"c{c}" for c in range(categories))))
    return cells, groups


@settings(max_examples=300, deadline=None)
@given(site_tables())
def test_no_published_cell_is_small_and_no_suppressed_cell_is_derivable(table):
    cells, groups = table
    reasons = suppress(cells, groups)
    assert all(not 0 < value < 11 for value in published(cells, reasons).values())
    assert determined(groups, set(reasons)) == set()
    assert all(reason.startswith(("primary", "complementary")) for reason in reasons.values())
