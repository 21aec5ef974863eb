"""Suppression of linked tables, proven against an attacker written here, independent of the
engine's own audit.

The attacker knows what a reader of the published tables knows: every equation and inequality
of the system, every shown count, that a hidden count is at least 1, a never-shown (structural)
one at least 0, and that no count is above the largest one. For each hidden or structural count
from 1 to 10 it asks HiGHS (scipy.optimize.milp, called directly) for an integer solution in
which that count is lower, then higher: one is enough to show it cannot be worked out. Every
point the solver returns is checked in integers here. On very small tables a brute-force
enumeration of every solution checks the attacker itself."""

from datetime import date
from unittest import mock

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array
from scipy.sparse.linalg import lsqr

from cases import selectors as cases_selectors
from intake import selectors as intake_selectors
from privacy.linked_suppression import LinkedTable, suppress_linked
from privacy.suppression import THRESHOLD
from transparency import services
from transparency import tables as t


def examples(n: int) -> settings:
    return settings(
        max_examples=n, derandomize=True, database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow]
    )


# Mostly small counts and zeros, now and then a large one.
COUNT = st.one_of(st.just(0), st.integers(1, THRESHOLD), st.integers(1, 3), st.integers(THRESHOLD + 1, 40))


def small(value: int) -> bool:
    return 1 <= value <= THRESHOLD


# --- The attacker ------------------------------------------------------------------------------


class Attacker:
    """The reader's whole system as one integer program: shown cells are fixed, hidden ones at
    least 1, structural ones at least 0, all at most the largest count."""

    def __init__(self, table: LinkedTable, shown: dict, *, extra_equations=()) -> None:
        self.keys = list(table.values)
        self.column = {key: i for i, key in enumerate(self.keys)}
        rows, cols, data, self.low, self.high = [], [], [], [], []
        constraints = [(total, parts, True) for total, parts in [*table.equations, *extra_equations]]
        constraints += [(total, parts, False) for total, parts in table.at_least]
        for row, (total, parts, is_equation) in enumerate(constraints):
            for key, sign in [(total, -1), *[(part, 1) for part in parts]]:
                rows.append(row)
                cols.append(self.column[key])
                data.append(sign)
            self.low.append(0)
            self.high.append(0 if is_equation else np.inf)
        shape = (len(constraints), len(self.keys))
        self.matrix = coo_array((np.array(data, dtype=np.int64), (rows, cols)), shape=shape).tocsr()
        largest = max(table.values.values())
        self.lower = np.array(
            [shown[key] if key in shown else (1 if key in table.published else 0) for key in self.keys], dtype=np.int64
        )
        self.upper = np.array([shown.get(key, largest) for key in self.keys], dtype=np.int64)

    def holds(self, point: np.ndarray) -> bool:
        sums = self.matrix @ point
        return bool(
            np.all(point >= self.lower)
            and np.all(point <= self.upper)
            and np.all(sums >= np.array(self.low))
            and np.all(sums <= np.array(self.high))
        )

    def solution(self, key, low: int, high: int) -> np.ndarray | None:
        """An integer solution with low <= key <= high, or None if the solver finds none."""
        i = self.column[key]
        lower, upper = self.lower.astype(float), self.upper.astype(float)
        lower[i], upper[i] = max(lower[i], low), min(upper[i], high)
        if lower[i] > upper[i]:
            return None
        found = milp(
            np.zeros(len(self.keys)),
            integrality=np.ones(len(self.keys)),
            bounds=Bounds(lower, upper),
            constraints=LinearConstraint(self.matrix.astype(float), np.array(self.low, float), self.high),
        )
        if found.x is None:
            return None
        point = np.rint(found.x).astype(np.int64)
        assert self.holds(point) and lower[i] <= point[i] <= upper[i], "the solver's point must solve the system"
        return point

    def can_move(self, key, value: int) -> bool:
        return self.solution(key, 0, value - 1) is not None or self.solution(key, value + 1, 10**9) is not None

    def disclosed(self, truth: dict[object, int]) -> set:
        """The cells of `truth` whose value no solution changes. A solution found for one cell
        also clears every other cell it moves."""
        pending = dict(truth)
        found = set()
        while pending:
            key, value = next(iter(pending.items()))
            point = self.solution(key, 0, value - 1)
            if point is None:
                point = self.solution(key, value + 1, 10**9)
            if point is None:
                found.add(key)
                del pending[key]
                continue
            pending = {k: v for k, v in pending.items() if point[self.column[k]] == v}
        return found


def brute_force_values(attacker: Attacker) -> dict[object, set[int]]:
    """Every value each unknown cell takes over all integer solutions, by enumeration."""
    unknown = [i for i in range(len(attacker.keys)) if attacker.lower[i] != attacker.upper[i]]
    if not unknown:
        return {}
    ranges = [np.arange(attacker.lower[i], attacker.upper[i] + 1) for i in unknown]
    grid = np.stack(np.meshgrid(*ranges, indexing="ij"), axis=-1).reshape(-1, len(unknown))
    points = np.tile(attacker.lower, (len(grid), 1))
    points[:, unknown] = grid
    sums = (attacker.matrix @ points.T).T
    ok = np.all(sums >= np.array(attacker.low), axis=1) & np.all(sums <= np.array(attacker.high), axis=1)
    return {attacker.keys[i]: set(points[ok, i].tolist()) for i in unknown}


# --- The properties ----------------------------------------------------------------------------


def check(table: LinkedTable, *, extra_equations=()):
    """(a) no shown 1..10, (b) no hidden or structural 1..10 can be worked out, (c) shown values
    are the true ones, (d) the root is shown unless everything is withheld, and everything is
    withheld when a root is 1..10, (e) it ends within one round per published cell."""
    result = suppress_linked(table)
    assert result.rounds <= len(table.published) + 1
    if any(small(table.values[root]) for root in table.roots):
        assert result.withheld
    if result.withheld:
        assert not result.shown and result.hidden == frozenset(table.published)
        return result
    assert table.roots <= set(result.shown)
    assert set(result.shown) | result.hidden == table.published
    assert not set(result.shown) & result.hidden
    for key, value in result.shown.items():
        assert value == table.values[key]
        assert not small(value), key
    unknown = {key: value for key, value in table.values.items() if key not in result.shown and small(value)}
    disclosed = Attacker(table, result.shown, extra_equations=extra_equations).disclosed(unknown)
    assert not disclosed, f"worked out: {sorted((repr(k), table.values[k]) for k in disclosed)}"
    return result


# --- Random tables -----------------------------------------------------------------------------


def one_way(table: LinkedTable, total, name: str, counts: list[int]) -> list:
    parts = [table.cell((name, i), count) for i, count in enumerate(counts)]
    table.equation(total, parts)
    return parts


@st.composite
def one_way_tables(draw):
    counts = draw(st.lists(COUNT, min_size=1, max_size=7))
    table = LinkedTable()
    one_way(table, table.root("total", sum(counts)), "row", counts)
    return table


@st.composite
def many_tables(draw):
    """Records that each pick at least one of k categories (allegations): each row beside its
    structural "did not pick", and the rows add up to at least the total."""
    k = draw(st.integers(2, 5))
    records = draw(st.lists(st.frozensets(st.integers(0, k - 1), min_size=1), min_size=8, max_size=40))
    table = LinkedTable()
    total = table.root("total", len(records))
    parts = []
    for i in range(k):
        count = sum(i in record for record in records)
        parts.append(table.cell(("row", i), count))
        table.equation(total, [parts[-1], table.cell(("not", i), len(records) - count, published=False)])
    table.inequality(total, parts)
    return table


def two_way_into(table: LinkedTable, grid: list[list[int]], name: str = "") -> dict:
    """A two-way table with its row, column and grand totals; returns the keys by position."""
    r, c = len(grid), len(grid[0])
    keys = {(i, j): table.cell((name, i, j), grid[i][j]) for i in range(r) for j in range(c)}
    for i in range(r):
        keys[(i, "t")] = table.cell((name, i, "t"), sum(grid[i]))
        table.equation(keys[(i, "t")], [keys[(i, j)] for j in range(c)])
    for j in range(c):
        keys[("t", j)] = table.cell((name, "t", j), sum(grid[i][j] for i in range(r)))
        table.equation(keys[("t", j)], [keys[(i, j)] for i in range(r)])
    return keys


@st.composite
def grids(draw, rows=(2, 4), columns=(2, 4), count=COUNT):
    r, c = draw(st.integers(*rows)), draw(st.integers(*columns))
    return draw(st.lists(st.lists(count, min_size=c, max_size=c), min_size=r, max_size=r))


@st.composite
def two_way_tables(draw):
    grid = draw(grids())
    table = LinkedTable()
    keys = two_way_into(table, grid)
    total = table.root("total", sum(map(sum, grid)))
    table.equation(total, [keys[(i, "t")] for i in range(len(grid))])
    table.equation(total, [keys[("t", j)] for j in range(len(grid[0]))])
    return table


@st.composite
def shared_total_tables(draw):
    """Two one-way tables of the same records (channel and language): both add up to one total."""
    pairs = draw(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 4)), min_size=8, max_size=45))
    table = LinkedTable()
    total = table.root("total", len(pairs))
    one_way(table, total, "a", [sum(a == i for a, _ in pairs) for i in range(4)])
    one_way(table, total, "b", [sum(b == i for _, b in pairs) for i in range(5)])
    return table


@st.composite
def margin_tables(draw):
    """Like race and outcome: a one-way table over all records (race), a status table (closed or
    not), the outcome table of the closed ones, and the two-way race x outcome of the closed
    ones, whose row totals are part of the race rows and whose column totals are the outcome
    rows."""
    records = draw(
        st.lists(st.tuples(st.integers(0, 2), st.one_of(st.none(), st.integers(0, 2))), min_size=8, max_size=50)
    )
    races, outcomes = range(3), range(3)
    table = LinkedTable()
    total = table.root("total", len(records))
    closed_count = sum(outcome is not None for _, outcome in records)
    closed = table.cell("closed", closed_count)
    table.equation(total, [closed, table.cell("open", len(records) - closed_count)])
    race = one_way(table, total, "race", [sum(r == i for r, _ in records) for i in races])
    grid = [[sum(rec == (r, o) for rec in records) for o in outcomes] for r in races]
    keys = two_way_into(table, grid, "x")
    table.equation(closed, [keys[("t", j)] for j in outcomes])
    for i in races:
        structural = table.cell(("x", i, "open"), table.values[race[i]] - sum(grid[i]), published=False)
        table.equation(race[i], [keys[(i, "t")], structural])
    return table


@st.composite
def cube_tables(draw):
    """Category x year x office with every margin ("all" on any axis), each line adding up."""
    shape = (draw(st.integers(2, 3)), 2, draw(st.integers(2, 3)))
    counts = {(k, y, o): draw(COUNT) for k in range(shape[0]) for y in range(shape[1]) for o in range(shape[2])}
    axes = [[*range(n), "all"] for n in shape]
    table = LinkedTable()

    def value(k, y, o):
        return sum(n for (a, b, c), n in counts.items() if k in (a, "all") and y in (b, "all") and o in (c, "all"))

    for k in axes[0]:
        for y in axes[1]:
            for o in axes[2]:
                if (k, y, o) == ("all", "all", "all"):
                    table.root((k, y, o), value(k, y, o))
                else:
                    table.cell((k, y, o), value(k, y, o))
    for axis, n in enumerate(shape):
        others = [axes[a] for a in range(3) if a != axis]
        for first in others[0]:
            for second in others[1]:

                def at(i, first=first, second=second, axis=axis):
                    point = [first, second]
                    point.insert(axis, i)
                    return tuple(point)

                table.equation(at("all"), [at(i) for i in range(n)])
    return table


@examples(150)
@given(one_way_tables())
def test_one_way_tables_hide_every_small_count_for_good(table):
    check(table)


@examples(80)
@given(many_tables())
def test_tables_where_a_record_counts_in_several_rows_are_safe(table):
    check(table)


@examples(100)
@given(two_way_tables())
def test_two_way_tables_with_all_their_totals_are_safe(table):
    check(table)


@examples(60)
@given(shared_total_tables())
def test_two_tables_sharing_a_total_are_safe_together(table):
    check(table)


@examples(60)
@given(margin_tables())
def test_a_two_way_table_whose_margins_are_other_tables_is_safe(table):
    check(table)


@examples(60)
@given(cube_tables())
def test_a_category_year_office_cube_with_all_its_margins_is_safe(table):
    check(table)


# --- The attacker checked by brute force -------------------------------------------------------


@st.composite
def tiny_systems(draw):
    """A tiny table (one-way, two-way with its totals, or one where a record counts in several
    rows) with any non-zero cells hidden, at most four unknown cells in all."""
    kind = draw(st.sampled_from(["one_way", "two_way", "many"]))
    table = LinkedTable()
    if kind == "one_way":
        counts = draw(st.lists(st.integers(0, 6), min_size=2, max_size=3))
        one_way(table, table.root("total", sum(counts)), "row", counts)
    elif kind == "two_way":
        grid = draw(grids(rows=(2, 2), columns=(2, 2), count=st.integers(0, 4)))
        keys = two_way_into(table, grid)
        total = table.root("total", sum(map(sum, grid)))
        table.equation(total, [keys[(0, "t")], keys[(1, "t")]])
        table.equation(total, [keys[("t", 0)], keys[("t", 1)]])
    else:
        records = draw(st.lists(st.frozensets(st.integers(0, 1), min_size=1), min_size=1, max_size=9))
        total = table.root("total", len(records))
        parts = []
        for i in range(2):
            parts.append(table.cell(("row", i), sum(i in record for record in records)))
            rest = table.cell(("not", i), len(records) - table.values[parts[-1]], published=False)
            table.equation(total, [parts[-1], rest])
        table.inequality(total, parts)
    structural = len(table.values) - len(table.published)
    hideable = sorted((key for key in table.published if table.values[key] and key not in table.roots), key=repr)
    hidden = draw(st.lists(st.sampled_from(hideable), unique=True, max_size=4 - structural)) if hideable else []
    shown = {key: table.values[key] for key in table.published if key not in hidden}
    return table, shown


@examples(150)
@given(tiny_systems())
def test_the_attacker_finds_exactly_what_brute_force_finds(system):
    table, shown = system
    attacker = Attacker(table, shown)
    values = brute_force_values(attacker)
    for key, possible in values.items():
        assert table.values[key] in possible
        assert attacker.can_move(key, table.values[key]) == (len(possible) > 1), (key, possible)
    truth = {key: table.values[key] for key in values}
    assert attacker.disclosed(truth) == {key for key, possible in values.items() if len(possible) == 1}


# --- Cases with known answers ------------------------------------------------------------------


def two_way_table(grid: list[list[int]]) -> tuple[LinkedTable, dict]:
    table = LinkedTable()
    keys = two_way_into(table, grid)
    total = table.root("total", sum(map(sum, grid)))
    table.equation(total, [keys[(i, "t")] for i in range(len(grid))])
    table.equation(total, [keys[("t", j)] for j in range(len(grid[0]))])
    return table, keys


def primary_only(table: LinkedTable) -> dict:
    return {key: table.values[key] for key in table.published if not small(table.values[key])}


def test_a_small_count_beside_a_zero_hides_its_neighbour_and_shows_the_zero():
    table = LinkedTable()
    small_one, zero, big = one_way(table, table.root("total", 25), "row", [5, 0, 20])
    assert Attacker(table, primary_only(table)).disclosed({small_one: 5}) == {small_one}
    result = check(table)
    assert result.hidden == {small_one, big}
    assert result.shown[zero] == 0


def test_two_small_counts_in_a_two_way_table_hide_a_block_of_four():
    table, keys = two_way_table([[5, 20], [20, 5]])
    result = check(table)
    assert result.hidden == {keys[(0, 0)], keys[(0, 1)], keys[(1, 0)], keys[(1, 1)]}
    assert all(keys[(i, "t")] in result.shown and keys[("t", i)] in result.shown for i in range(2))


def test_a_cell_pinned_only_by_combining_rows_and_columns_is_caught():
    # Two blocks of small counts, joined by one small count at (1, 2): every row and column
    # holds two unknown cells or more, yet rows 0 and 1 minus columns 0 and 1 give (1, 2) away.
    big = 30
    grid = [[4, 5, big, big], [6, 7, 2, big], [big, big, 3, 4], [big, big, 5, 6]]
    table, keys = two_way_table(grid)
    shown = primary_only(table)
    for total, parts in table.equations:
        assert sum(key not in shown for key in (total, *parts)) != 1
    small_cells = {key: table.values[key] for key in table.published if small(table.values[key])}
    assert Attacker(table, shown).disclosed(small_cells) == {keys[(1, 2)]}
    result = check(table)
    assert result.hidden > set(small_cells)


def test_an_inequality_the_reader_knows_is_part_of_the_audit():
    # 30 people, everyone who answers picks at least one of X and Y: 25 picked X, none Y, so at
    # most 25 answered and at least 5 did not. With X shown, the 5 who did not answer is known.
    table = LinkedTable()
    total = table.root("total", 30)
    answered = table.cell("answered", 25, published=False)
    no_answer = table.cell("no_answer", 5)
    table.equation(total, [answered, no_answer])
    x, y = table.cell("X", 25), table.cell("Y", 0)
    table.equation(answered, [x, table.cell("not X", 0, published=False)])
    table.equation(answered, [y, table.cell("not Y", 25, published=False)])
    without = Attacker(table, primary_only(table))
    assert without.disclosed({no_answer: 5}) == set()
    table.inequality(answered, [x, y])
    assert Attacker(table, primary_only(table)).disclosed({no_answer: 5}) == {no_answer}
    result = check(table)
    assert result.hidden == {no_answer, x}


def test_a_grand_total_of_one_to_ten_withholds_everything():
    table = LinkedTable()
    one_way(table, table.root("total", 10), "row", [0, 10])
    result = suppress_linked(table)
    assert result.withheld and not result.shown


# --- The real builder of the public statistics -------------------------------------------------

OFFICES = ["NYC", "LOS"]
DECIDED = {"released_full", "released_partial", "no_footage", "denied", "appealed", "appeal_decided"}

complaint_records = st.lists(
    st.fixed_dictionaries(
        {
            "year": st.sampled_from([2024, 2025]),
            "month": st.integers(1, 3),
            "office": st.sampled_from([*OFFICES, "SEA", None]),
            "status": st.sampled_from(["received", "in_review", "closed", "closed"]),
            "outcome": st.sampled_from(["", "substantiated", "unfounded"]),
            "channel": st.sampled_from(["web", "sms"]),
            "language": st.sampled_from(["es", "en", "xx"]),
            "body_camera_seen": st.sampled_from(["yes", "no", ""]),
            "body_camera_recording": st.sampled_from(["yes", "unknown", ""]),
            "race_ethnicity": st.lists(st.sampled_from(["hispanic", "black", "declined"]), max_size=2),
            "allegations": st.frozensets(st.sampled_from(["excessive_force", "property"]), max_size=2),
        }
    ),
    min_size=20,
    max_size=90,
)
footage_records = st.lists(
    st.builds(
        lambda year, office, status, reason, due: cases_selectors.FootageStatisticsRow(
            received_on=date(year, 2, 1),
            office=office,
            status=status,
            no_footage_reason=reason if status == "no_footage" else "",
            decided_on=date(year, 3, 1) if status in DECIDED else None,
            started_on=date(year, 2, 1),
            due=due,
        ),
        st.sampled_from([2024, 2025]),
        st.sampled_from([*OFFICES, None]),
        st.sampled_from(["received", "searching", "released_full", "no_footage", "denied", "withdrawn", "appealed"]),
        st.sampled_from(["camera_not_worn", "deleted", ""]),
        st.sampled_from([None, date(2025, 2, 15), date(2025, 4, 1)]),
    ),
    min_size=11,
    max_size=60,
)


def fake_selectors(complaints: list[dict], footage: list):
    """Intake's and cases' statistics selectors answering from records: one row per record, as
    the grouped queries would (the counting adds rows up)."""

    def statistics_counts(*fields, before=None):
        return [
            {"month": date(c["year"], c["month"], 1), "office": c["office"], **{f: c[f] for f in fields}, "n": 1}
            for c in complaints
        ]

    def statistics_allegation_counts(before=None):
        rows = []
        for c in complaints:
            base = {"month": date(c["year"], c["month"], 1), "office": c["office"], "n": 1}
            rows += [{**base, "kind": kind} for kind in sorted(c["allegations"])]
            rows += [{**base, "kind": None}] if c["allegations"] else []
        return rows

    return [
        mock.patch.object(intake_selectors, "statistics_counts", statistics_counts),
        mock.patch.object(intake_selectors, "statistics_allegation_counts", statistics_allegation_counts),
        mock.patch.object(cases_selectors, "footage_statistics_rows", lambda before=None: list(footage)),
    ]


def build(complaints: list[dict], footage: list):
    """The two builders, from records, the way release_build() calls them."""
    patches = fake_selectors(complaints, footage)
    for patch in patches:
        patch.start()
    try:
        complaint_counts, footage_counts = services.complaint_counts(), services.footage_counts()
    finally:
        for patch in patches:
            patch.stop()
    years = sorted(complaint_counts.years | footage_counts.years)
    seen = complaint_counts.offices | footage_counts.offices
    offices = [*OFFICES, *sorted(seen - set(OFFICES) - {t.UNKNOWN_OFFICE}), t.UNKNOWN_OFFICE]
    return (
        services.build_complaints(complaint_counts, years, offices),
        services.build_footage(footage_counts, years, offices),
    )


@examples(8)
@given(complaint_records, footage_records)
def test_the_published_statistics_hide_every_small_count_across_tables_years_and_offices(complaints, footage):
    complaints_builder, footage_builder = build(complaints, footage)
    check(complaints_builder.table)
    check(footage_builder.table)


# What a reader can add up from the published tables of one release: (table, row, column) ->
# the published number it is a part of, in the same slice.
PARENTS = {
    "complaints_by_field_office": (t.TOTALS, t.COMPLAINTS, ""),
    "complaints_by_month": (t.TOTALS, t.COMPLAINTS, ""),
    "complaints_by_channel": (t.TOTALS, t.COMPLAINTS, ""),
    "complaints_by_language": (t.TOTALS, t.COMPLAINTS, ""),
    "complaints_by_status": (t.TOTALS, t.COMPLAINTS, ""),
    "complaints_by_body_camera_seen": (t.TOTALS, t.COMPLAINTS, ""),
    "complaints_by_race_ethnicity": (t.TOTALS, t.COMPLAINTS, ""),
    "complaints_by_outcome": ("complaints_by_status", "closed", ""),
    "complaints_by_body_camera_recording": ("complaints_by_body_camera_seen", "yes", ""),
    "footage_requests_by_outcome": (t.TOTALS, t.FOOTAGE, ""),
    "footage_requests_by_no_footage_reason": ("footage_requests_by_outcome", "no_footage", ""),
    "footage_requests_by_timeliness": (t.TOTALS, "footage_decided", ""),
}
TWO_WAY = "closed_complaints_by_race_ethnicity_and_outcome"


def published_places(builder) -> dict:
    """(table, period, office, row, column) -> the cell shown there; no place shows two cells."""
    places = {}
    for key, spots in builder.placements.items():
        assert key in builder.table.published
        for spot in spots:
            assert places.setdefault(spot, key) == key, spot
    return places


def reader_equations(places: dict) -> list[tuple[object, list]]:
    """Every "total = sum of parts" a reader can check between the published numbers."""
    found = []
    by_slice, by_office, by_period = {}, {}, {}
    for (table, period, office, row, column), key in places.items():
        by_slice.setdefault((table, period, office), {})[(row, column)] = key
        by_office.setdefault((table, period, row, column), {})[office] = key
        by_period.setdefault((table, office, row, column), {})[period] = key
    for (table, period, office), rows in by_slice.items():
        if table in PARENTS:
            parent = (*PARENTS[table][:1], period, office, *PARENTS[table][1:])
            found.append((places[parent], list(rows.values())))
        if table == TWO_WAY:
            inner = {(r, c): key for (r, c), key in rows.items() if t.TOTAL not in (r, c)}
            for r in {r for r, _ in inner}:
                found.append((rows[(r, t.TOTAL)], [key for (rr, _), key in inner.items() if rr == r]))
            for c in {c for _, c in inner}:
                found.append((rows[(t.TOTAL, c)], [key for (_, cc), key in inner.items() if cc == c]))
    for spread in (by_office, by_period):
        for cells in spread.values():
            if t.ALL in cells and len(cells) > 1:
                found.append((cells[t.ALL], [key for where, key in cells.items() if where != t.ALL]))
    return found


def not_implied(table: LinkedTable, equations: list[tuple[object, list]]) -> list:
    """The equations that do not follow from the table's own: one of its own, or a vector that
    is a combination of theirs (least squares leaves nothing over)."""
    own_forms = {(total, frozenset(parts)) for total, parts in table.equations}
    column = {key: i for i, key in enumerate(table.values)}
    rows, cols, data = [], [], []
    for row, (total, parts) in enumerate(table.equations):
        for key, sign in [(total, -1.0), *[(part, 1.0) for part in parts]]:
            rows.append(row)
            cols.append(column[key])
            data.append(sign)
    transposed = coo_array((data, (cols, rows)), shape=(len(column), len(table.equations))).tocsr()
    missing = []
    for total, parts in equations:
        if (total, frozenset(parts)) in own_forms or parts == [total]:
            continue
        vector = np.zeros(len(column))
        vector[column[total]] -= 1
        for part in parts:
            vector[column[part]] += 1
        combination = lsqr(transposed, vector, atol=1e-12, btol=1e-12, iter_lim=20_000)[0]
        if np.abs(transposed @ combination - vector).max() > 1e-6:
            missing.append((total, parts))
    return missing


@examples(3)
@given(complaint_records, footage_records)
def test_every_sum_a_reader_can_check_is_known_to_the_audit(complaints, footage):
    for builder in build(complaints, footage):
        equations = reader_equations(published_places(builder))
        assert len(equations) > 100
        assert not_implied(builder.table, equations) == []


def footage_row(status: str) -> cases_selectors.FootageStatisticsRow:
    return cases_selectors.FootageStatisticsRow(
        received_on=date(2025, 2, 1),
        office="NYC",
        status=status,
        no_footage_reason="",
        decided_on=date(2025, 3, 1) if status in DECIDED else None,
        started_on=date(2025, 2, 1),
        due=date(2025, 4, 1),
    )


def decided_equations(builder) -> list[tuple[object, list]]:
    """What the timeliness table says: requests with a decision are those released, with no
    video, refused, or (after one of those) appealed."""
    decided = ["released_full", "released_partial", "no_footage", "denied", "appealed"]
    # The cell shown at each place (with one year, "all years" shows the year's own cell).
    where = {place: key for key, places in builder.placements.items() for place in places}
    return [
        (
            where[(t.TOTALS, period, office, "footage_decided", "")],
            [where[("footage_requests_by_outcome", period, office, row, "")] for row in decided],
        )
        for period in builder.periods
        for office in builder.slices_offices
    ]


def test_the_audit_knows_that_decided_requests_are_the_released_refused_no_video_and_appealed_ones():
    _complaints, footage = build([], [footage_row(s) for s in ["received"] * 12 + ["released_full"] * 11])
    assert not_implied(footage.table, decided_equations(footage)) == []


def test_withdrawn_footage_requests_cannot_be_worked_out_from_the_decided_ones():
    _complaints, footage = build(
        [], [footage_row(s) for s in ["received"] * 12 + ["released_full"] * 11 + ["withdrawn"] * 7]
    )
    check(footage.table, extra_equations=decided_equations(footage))
