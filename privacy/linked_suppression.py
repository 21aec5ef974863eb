"""Small-count suppression for many linked tables at once (the public statistics): no count from
1 to 10 is shown, and none can be worked out from the shown numbers of any of the tables.

`privacy.suppression` audits a questionnaire exactly by interval propagation, which is complete
only on acyclic systems (and a few cycles). Statistics tables are cyclic by nature: a two-way
table with its row and column totals, the same counts split by year and by field office, the
outcome table adding up to the status table's "closed". Here the attacker's knowledge is written
as a system of linear equations and inequalities over integer unknowns, and the audit asks an
integer programming solver (HiGHS, through scipy) the attacker's question directly.

The model (the same as privacy.suppression's, plus inequalities)
----------------------------------------------------------------
Cells are true non-negative counts; *published* cells are meant to be shown, the others are
structural (never shown, e.g. "did not allege X"). The attacker knows every equation
"total = sum of parts", every inequality "sum of parts >= total" (each complaint alleges at least
one thing), every shown count, that every count is at most `upper` (the grand total), that a
hidden cell holds at least 1 (only non-zero cells are hidden) and a structural one at least 0.

1. Primary: every published cell holding 1 to 10 is hidden (zero may be shown). When a root (a
   grand total) is 1 to 10, nothing at all is published.
2. A fast pass: an equation with exactly one unknown cell gives it away, so while some equation
   has exactly one unknown cell holding 1 to 10, hide the smallest shown non-zero cell of that
   equation (a part before its total).
3. Audit: the unknown cells fall into independent components (linked by equations holding two
   unknowns or more; shown cells are constants). In each component, for a cell holding 1 to 10,
   the solver looks for an integer solution of the whole system in which that cell has another
   value: it maximises the cell, then minimises it. Each solution found also clears every other
   watched cell whose value differs in it, so a component needs few solves. A cell for which no
   other value exists is disclosed. The solver's answers are feasible integer points, checked
   against the system here, so "safe" is always proven; when the solver stops at its time limit
   without such a point, the cell counts as disclosed (fail safe: more is hidden).
4. Secondary: for each disclosed cell, hide the smallest shown non-zero cell of an equation that
   holds it (or of an equation holding another unknown cell of its component), then go back to 2.
   Each round hides at least one more cell and none is ever un-hidden, so it ends. A root that
   would have to be hidden withholds everything.

What the attacker is not assumed to know: which hidden cells were hidden first. Pages show every
hidden cell the same way.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import coo_array

from privacy.suppression import THRESHOLD

Key = Hashable
SOLVER_SECONDS = 20.0
BATCH_SOLVES = 8  # per solve; a solve that runs out proves nothing (fail safe)


@dataclass
class LinkedTable:
    values: dict[Key, int] = field(default_factory=dict)
    published: set[Key] = field(default_factory=set)
    equations: list[tuple[Key, tuple[Key, ...]]] = field(default_factory=list)
    at_least: list[tuple[Key, tuple[Key, ...]]] = field(default_factory=list)  # sum(parts) >= total
    roots: set[Key] = field(default_factory=set)

    def cell(self, key: Key, value: int, *, published: bool = True) -> Key:
        if key in self.values:
            raise ValueError(f"cell {key!r} added twice")
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValueError(f"cell {key!r}: a count is a non-negative integer")
        self.values[key] = value
        if published:
            self.published.add(key)
        return key

    def root(self, key: Key, value: int) -> Key:
        self.roots.add(self.cell(key, value))
        return key

    def equation(self, total: Key, parts: Iterable[Key]) -> None:
        parts = tuple(parts)
        self._check(total, parts)
        if self.values[total] != sum(self.values[part] for part in parts):
            raise ValueError(f"equation for {total!r} does not hold for the true counts")
        self.equations.append((total, parts))

    def inequality(self, total: Key, parts: Iterable[Key]) -> None:
        """The attacker knows sum(parts) >= total."""
        parts = tuple(parts)
        self._check(total, parts)
        if sum(self.values[part] for part in parts) < self.values[total]:
            raise ValueError(f"inequality for {total!r} does not hold for the true counts")
        self.at_least.append((total, parts))

    def _check(self, total: Key, parts: tuple) -> None:
        keys = (total, *parts)
        if len(set(keys)) != len(keys) or not parts:
            raise ValueError(f"constraint for {total!r}: each cell once, at least one part")
        if any(key not in self.values for key in keys):
            raise ValueError(f"constraint for {total!r} names an unknown cell")

    @property
    def upper(self) -> int:
        return max(self.values.values(), default=0)


@dataclass(frozen=True)
class Result:
    """`shown`: published cells with their counts; `hidden`: published cells shown as hidden.
    `withheld`: nothing at all may be published."""

    shown: Mapping[Key, int]
    hidden: frozenset[Key]
    withheld: bool
    rounds: int = 0
    solves: int = 0


def suppress_linked(table: LinkedTable, *, threshold: int = THRESHOLD) -> Result:
    withheld = Result(shown={}, hidden=frozenset(table.published), withheld=True)
    if any(1 <= table.values[root] <= threshold for root in table.roots):
        return withheld
    state = _State(table, threshold)
    state.hidden = {key for key in table.published if 1 <= table.values[key] <= threshold}
    rounds = 0
    while True:
        rounds += 1
        if not state.fast_pass():
            return withheld
        disclosed = state.audit()
        if not disclosed:
            break
        before, freed = len(state.hidden), len(state.freed)
        for key in sorted(disclosed, key=repr):
            found = state.protect([key])  # sees the cells hidden for the disclosed cells before it
            if found is None or found & table.roots:
                return withheld
            state.hidden |= found
        if len(state.hidden) == before and len(state.freed) == freed:
            raise AssertionError("secondary suppression must hide one more cell each round")
    shown = {key: table.values[key] for key in table.published if key not in state.hidden}
    return Result(shown=shown, hidden=frozenset(state.hidden), withheld=False, rounds=rounds, solves=state.solves)


class _State:
    def __init__(self, table: LinkedTable, threshold: int) -> None:
        self.table = table
        self.threshold = threshold
        self.hidden: set[Key] = set()
        self.safe: set[frozenset] = set()
        self.freed: set[Key] = set()
        self.solves = 0
        self.constraints = [(total, parts, True) for total, parts in table.equations]
        self.constraints += [(total, parts, False) for total, parts in table.at_least]
        self.by_cell: dict[Key, list[int]] = {}
        for index, (total, parts, _eq) in enumerate(self.constraints):
            for key in (total, *parts):
                self.by_cell.setdefault(key, []).append(index)

    def unknown(self, key: Key) -> bool:
        return key in self.hidden or key not in self.table.published

    def watched(self, key: Key) -> bool:
        return self.unknown(key) and 1 <= self.table.values[key] <= self.threshold

    def shown_nonzero(self, key: Key) -> bool:
        return not self.unknown(key) and self.table.values[key] > 0

    def smallest_in(self, indexes: Iterable[int]) -> Key | None:
        """The smallest shown non-zero cell of these constraints, a part before a total, never a
        root."""
        best = None
        for index in sorted(set(indexes)):
            total, parts, _eq = self.constraints[index]
            for rank, key in [(0, part) for part in parts] + [(1, total)]:
                if key in self.table.roots or not self.shown_nonzero(key):
                    continue
                score = (rank, self.table.values[key], repr(key))
                if best is None or score < best[0]:
                    best = (score, key)
        return best[1] if best else None

    def fast_pass(self) -> bool:
        """Hide until no equation has exactly one unknown cell holding 1 to threshold. False
        when only a root could be hidden."""
        pending = set(range(len(self.constraints)))
        while pending:
            index = pending.pop()
            total, parts, is_equation = self.constraints[index]
            if not is_equation:
                continue
            unknowns = [key for key in (total, *parts) if self.unknown(key)]
            if len(unknowns) != 1 or not self.watched(unknowns[0]):
                continue
            pick = self.smallest_in([index])
            if pick is None:
                return False
            self.hidden.add(pick)
            pending.update(self.by_cell[pick])
        return True

    def components(self) -> list[tuple[list[Key], list[int]]]:
        seen: set[Key] = set()
        found = []
        for start in self.table.values:
            if start in seen or not self.unknown(start):
                continue
            cells, indexes, stack = [start], set(), [start]
            seen.add(start)
            while stack:
                for index in self.by_cell.get(stack.pop(), ()):
                    if index in indexes:
                        continue
                    indexes.add(index)
                    total, parts, _eq = self.constraints[index]
                    for key in (total, *parts):
                        if key not in seen and self.unknown(key):
                            seen.add(key)
                            cells.append(key)
                            stack.append(key)
            found.append((cells, sorted(indexes)))
        return found

    def audit(self) -> set[Key]:
        """Components found safe are remembered: a component changes (and is audited again) only
        when a cell of it, or next to it, is hidden."""
        disclosed: set[Key] = set()
        for cells, indexes in self.components():
            if not any(self.watched(key) for key in cells):
                continue
            identity = frozenset(cells)
            if identity in self.safe:
                continue
            found = self.audit_component(cells, indexes)
            if found:
                disclosed |= found
            else:
                self.safe.add(identity)
        return disclosed

    def audit_component(self, cells: list[Key], indexes: list[int]) -> set[Key]:
        values = self.table.values
        column = {key: i for i, key in enumerate(cells)}
        rows, cols, data, low, high = [], [], [], [], []
        for row, index in enumerate(indexes):
            total, parts, is_equation = self.constraints[index]
            constant = 0
            for key, sign in [(total, -1)] + [(part, 1) for part in parts]:
                if key in column:
                    rows.append(row)
                    cols.append(column[key])
                    data.append(sign)
                else:
                    constant += sign * values[key]
            # sum(parts) - total (+ constant of known cells) == 0, or >= 0
            low.append(-constant)
            high.append(-constant if is_equation else np.inf)
        matrix = coo_array((data, (rows, cols)), shape=(len(indexes), len(cells))).tocsr()
        lower = np.array([1 if key in self.hidden else 0 for key in cells], dtype=float)
        upper = np.full(len(cells), float(self.table.upper))
        truth = np.array([values[key] for key in cells], dtype=float)
        constraint = LinearConstraint(matrix, np.array(low, dtype=float), np.array(high, dtype=float))
        watched = {i for i, key in enumerate(cells) if self.watched(key)}
        equalities = np.array([row for row, index in enumerate(indexes) if self.constraints[index][2]], dtype=int)
        inequalities = np.array([row for row, index in enumerate(indexes) if not self.constraints[index][2]], dtype=int)

        def solve(objective) -> set[int]:
            """The watched cells that take another value in an integer solution: the simplex's
            vertex when it is integral (most are: sums over tables are close to networks), else
            the integer programme's."""
            self.solves += 1
            point = None
            relaxed = linprog(
                objective,
                A_ub=matrix[inequalities] * -1 if inequalities.size else None,
                b_ub=-np.array(low)[inequalities] if inequalities.size else None,
                A_eq=matrix[equalities],
                b_eq=np.array(low)[equalities],
                bounds=np.column_stack([lower, upper]),
                method="highs-ds",
            )
            if relaxed.status == 0 and np.allclose(relaxed.x, np.rint(relaxed.x), atol=1e-9):
                point = relaxed.x
            else:
                found = milp(
                    objective,
                    integrality=np.ones(len(cells)),
                    bounds=Bounds(lower, upper),
                    constraints=constraint,
                    options={"time_limit": SOLVER_SECONDS, "presolve": True},
                )
                point = found.x
            if point is None or not self._solution_holds(matrix, low, high, lower, upper, point):
                return set()
            point = np.rint(point)
            return {j for j in watched if point[j] != truth[j]}

        # First push every watched cell up at once, then down, then in random directions: most
        # move in one of these, and each individual solve below is left for the few that do not.
        rng = np.random.default_rng(len(cells))
        for attempt in range(BATCH_SOLVES):
            if len(watched) < 2:
                break
            objective = np.zeros(len(cells))
            chosen = list(watched)
            objective[chosen] = (-1.0, 1.0)[attempt] if attempt < 2 else rng.choice((-1.0, 1.0), len(chosen))
            watched -= solve(objective)
        disclosed = set()
        while watched:
            i = min(watched)
            for direction in (-1.0, 1.0):  # maximise it, then minimise it
                objective = np.zeros(len(cells))
                objective[i] = direction
                watched -= solve(objective)
                if i not in watched:
                    break
            else:
                disclosed.add(cells[i])
                watched.discard(i)
        return disclosed

    @staticmethod
    def _solution_holds(matrix, low, high, lower, upper, point) -> bool:
        """The solver's point, rounded, is an integer solution of the system (checked here, so
        that "safe" never rests on a tolerance)."""
        point = np.rint(point)
        if np.any(point < lower) or np.any(point > upper):
            return False
        sums = matrix @ point
        return bool(np.all(sums >= np.array(low) - 1e-9) and np.all(sums <= np.array(high) + 1e-9))

    def pick_for(self, key: Key) -> Key | None:
        """A shown non-zero cell to hide next to a disclosed one: in a constraint holding it, else
        in one holding an unknown cell linked to it, breadth first."""
        frontier, seen_cells, seen_indexes = [key], {key}, set()
        while frontier:
            indexes = {i for cell in frontier for i in self.by_cell.get(cell, ()) if i not in seen_indexes}
            if not indexes:
                return None
            pick = self.smallest_in(indexes)
            if pick is not None:
                return pick
            seen_indexes |= indexes
            nxt = []
            for index in indexes:
                total, parts, _eq = self.constraints[index]
                for cell in (total, *parts):
                    if cell not in seen_cells:
                        seen_cells.add(cell)
                        nxt.append(cell)
            frontier = nxt
        return None

    def protect(self, keys: list[Key]) -> set[Key] | None:
        """The shown cells to hide so that a disclosed cell could take another value: the fewest
        changes to shown cells near it (a linear programme, as in classic cell suppression) that
        let it move one up or one down, cells further away held at their true values (a
        restriction, so the answer is a real way to move it; asking several cells to move together
        is possible but, with integers, rarely enough). The neighbourhood grows until a way is
        found; failing that, the nearest smallest shown cell of each (pick_for)."""
        values = self.table.values
        for depth in (1, 2, 3):
            near = set().union(*(self._near(key, depth) for key in keys))
            variables = [
                cell for cell in near if self.unknown(cell) or (values[cell] > 0 and cell not in self.table.roots)
            ]
            column = {cell: i for i, cell in enumerate(variables)}
            shown = [cell for cell in variables if not self.unknown(cell)]
            count = len(variables)
            # x (one per variable), then for each shown variable its rise and its fall (>= 0).
            extra = {cell: count + 2 * i for i, cell in enumerate(shown)}
            width = count + 2 * len(shown)
            rows, cols, data, rhs = [], [], [], []
            eq_rows, eq_cols, eq_data, eq_rhs = [], [], [], []
            indexes = sorted({i for cell in variables for i in self.by_cell.get(cell, ())})
            for index in indexes:
                total, parts, is_equation = self.constraints[index]
                constant, entries = 0, []
                for cell, sign in [(total, -1)] + [(part, 1) for part in parts]:
                    if cell in column:
                        entries.append((column[cell], sign))
                    else:
                        constant += sign * values[cell]
                if is_equation:
                    row = len(eq_rhs)
                    for col, sign in entries:
                        eq_rows.append(row), eq_cols.append(col), eq_data.append(sign)
                    eq_rhs.append(-constant)
                else:  # sum(parts) - total >= -constant, as -(...) <= constant
                    row = len(rhs)
                    for col, sign in entries:
                        rows.append(row), cols.append(col), data.append(-sign)
                    rhs.append(constant)
            for cell in shown:  # x - rise + fall = value
                row = len(eq_rhs)
                eq_rows += [row, row, row]
                eq_cols += [column[cell], extra[cell], extra[cell] + 1]
                eq_data += [1, -1, 1]
                eq_rhs.append(values[cell])
            cost = np.zeros(width)
            cost[count:] = 1.0
            lower = [1 if (cell in self.hidden or not self.unknown(cell)) else 0 for cell in variables]
            upper = float(self.table.upper)
            best = None
            for step in (1, -1):
                bounds = [(low, upper) for low in lower] + [(0, None)] * (2 * len(shown))
                if not all(lower[column[key]] <= values[key] + step <= upper for key in keys):
                    continue
                for key in keys:
                    bounds[column[key]] = (values[key] + step, values[key] + step)
                answer = linprog(
                    cost,
                    A_ub=coo_array((data, (rows, cols)), shape=(len(rhs), width)).tocsr() if rhs else None,
                    b_ub=np.array(rhs, dtype=float) if rhs else None,
                    A_eq=coo_array((eq_data, (eq_rows, eq_cols)), shape=(len(eq_rhs), width)).tocsr(),
                    b_eq=np.array(eq_rhs, dtype=float),
                    bounds=bounds,
                    method="highs",
                )
                if answer.status != 0:
                    continue
                moved = {cell for cell in shown if abs(answer.x[extra[cell]]) + abs(answer.x[extra[cell] + 1]) > 1e-7}
                if not moved and not self.freed & set(keys):
                    # Cells hidden already this round freed them (the next audit checks with
                    # integers; found again, each gets cells of its own).
                    self.freed.update(keys)
                    return set()
                if moved and (best is None or len(moved) < len(best)):
                    best = moved
            if best:
                return best
        picks = {self.pick_for(key) for key in keys}
        return None if None in picks else picks

    def _near(self, key: Key, depth: int) -> set[Key]:
        """The unknown cells linked to a cell, and the cells within `depth` constraints of them."""
        found, stack = {key}, [key]
        while stack:  # the unknown cells of its component
            for index in self.by_cell.get(stack.pop(), ()):
                total, parts, _eq = self.constraints[index]
                for cell in (total, *parts):
                    if cell not in found and self.unknown(cell):
                        found.add(cell)
                        stack.append(cell)
        frontier = set(found)
        for _ in range(depth):
            reached = set()
            for cell in frontier:
                for index in self.by_cell.get(cell, ()):
                    total, parts, _eq = self.constraints[index]
                    reached.update((total, *parts))
            frontier = reached - found
            found |= reached
            if not frontier:
                break
        return found
