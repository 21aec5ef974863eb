"""Small-count suppression for public numbers: no count from 1 to 10 is shown, and none can be
worked out from the numbers that are shown.

Generic on purpose (privacy imports no other app): a caller describes its numbers as a `Table`
and gets back which cells may be shown.

The model
---------
A table is cells (true, non-negative integer counts of people) and equations "this cell is the
sum of those cells" (a row and its total). Published cells are meant to be shown; the others are
*structural*: never shown, but still groups of people ("did not choose X" in a multiple-choice
question, "asked but skipped" for a show-if question), so they must not be worked out either
when they hold 1 to 10 people.

1. Primary suppression: every published cell holding 1 to 10 is hidden. Zero may be shown. When
   the grand total (`Table.root`) is 1 to 10, nothing at all is published.
2. Audit (the attacker simulation): the attacker knows every equation, every shown cell exactly,
   that a hidden cell holds at least 1 (only non-zero cells are ever hidden, and we assume the
   attacker knows it, which is the stricter assumption) and that a structural cell holds at least
   0. Each unknown cell gets an interval, tightened by interval bound propagation over the
   equations until nothing changes (a fixed point). A cell whose interval is one value from 1 to
   10 is disclosed.
3. Secondary suppression: while the audit finds a disclosed cell, hide one more shown non-zero
   cell near it: of the few nearest (in an equation holding it, or one step further through a
   cell that is not shown), the one whose hiding leaves the fewest disclosed cells, then the
   smallest (so a skipped follow-up question hides its own "no answer" rather than its parent's
   "yes" and "no"); else the smallest of the nearest equations, else anywhere. The grand total is
   never hidden: when it would have to be, nothing is published.

Why the audit is exact (and what it does when it cannot be)
-----------------------------------------------------------
Propagation is sound: it only removes values that no solution has, so a single-value interval
is a value the attacker can work out. It is also *complete* (every value left in an interval is
taken by some integer solution) when the equations that still hold unknown cells are
Berge-acyclic: the graph linking each unknown cell to the equations it appears in is a forest.
Proof sketch: root the forest at a cell x and take a value v in its interval. For an equation
next to x, the sums of integer intervals are integer intervals with no holes, so at the fixed
point (where each equation's intervals agree with each other) there are values of the equation's
other cells, each in its interval, that make it hold with x = v. Each of those cells is the root
of its own subtree, disjoint from the others because the graph is a forest, so by induction each
value extends to a solution of its subtree, and the pieces join into one solution. Cells already
known (shown, or pinned by propagation) are constants and cut the graph.

The tables surveys build are hierarchical: a question's row hangs off the grand total (shown, so a
constant), its choices hang off the question's "answered" cell, and a show-if question hangs off
its parent's choice; that is a forest. The one exception is a multiple-choice question: each
person who answers picks at least one choice, so "sum of choices = answered + extra choices" is a
true equation the attacker knows, and with the "answered = chose X + did not choose X" rows it
closes a cycle through "answered". (Without it the audit would miss real disclosures: 30 people,
25 chose X, none chose Y, 5 hidden in "no answer": only 25 can have answered, so the 5 is known.)
For a cyclic part the audit fixes a few *pivot* cells ("answered") so that the rest is a forest,
tries the values of the pivots that propagation leaves possible (nearest the true ones first),
and runs the exact propagation for each: the union over the cases is the exact set of values, so
a cell is safe as soon as one case gives it another value, and disclosed only when every case
pins it. When that needs more than `MAX_PIVOTS` pivots or `MAX_CASES` cases, or propagation runs
past its round cap (it converges in at most one round more than the number of equations on a
forest; the cap is far above that), the audit gives up and the table publishes nothing: it fails
safe.

What the attacker is not assumed to know: which hidden cells were hidden first (1 to 10) and
which later. Pages must therefore show every hidden cell the same way ("hidden to protect
privacy"); a "fewer than 11" label on some of them would tell more than this audit allows for.

Termination of the secondary loop: each pass either stops or hides one more published cell, and a
cell once hidden stays hidden, so there are at most as many passes as published cells (asserted).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice

THRESHOLD = 10  # counts from 1 to THRESHOLD are never shown
MAX_PIVOTS = 3
MAX_CASES = 20_000
INF = math.inf

Key = Hashable


class AuditGaveUp(Exception):
    """The audit cannot vouch for the table: publish nothing."""


@dataclass
class Table:
    """Cells with their true counts, which of them are meant to be shown, and the equations
    "total = sum of parts" that link them. `root` is the grand total."""

    values: dict[Key, int] = field(default_factory=dict)
    published: set[Key] = field(default_factory=set)
    equations: list[tuple[Key, tuple[Key, ...]]] = field(default_factory=list)
    root: Key | None = None

    def cell(self, key: Key, value: int, *, published: bool = True) -> Key:
        if key in self.values:
            raise ValueError(f"cell {key!r} added twice")
        if not isinstance(value, int) or value < 0:
            raise ValueError(f"cell {key!r}: a count is a non-negative integer")
        self.values[key] = value
        if published:
            self.published.add(key)
        return key

    def equation(self, total: Key, parts: Iterable[Key]) -> None:
        parts = tuple(parts)
        keys = (total, *parts)
        if len(set(keys)) != len(keys) or not parts:
            raise ValueError(f"equation for {total!r}: each cell once, at least one part")
        if any(key not in self.values for key in keys):
            raise ValueError(f"equation for {total!r} names an unknown cell")
        if self.values[total] != sum(self.values[part] for part in parts):
            raise ValueError(f"equation for {total!r} does not hold for the true counts")
        self.equations.append((total, parts))


@dataclass(frozen=True)
class Suppressed:
    """What may be published: `shown` cells with their counts; `hidden` published cells shown
    as hidden. `withheld` means nothing at all may be published."""

    shown: Mapping[Key, int]
    hidden: frozenset[Key]
    withheld: bool
    passes: int = 0

    def value(self, key: Key) -> int | None:
        return self.shown.get(key)


def suppress(table: Table, *, threshold: int = THRESHOLD) -> Suppressed:
    """Primary suppression, then audit and secondary suppression until the audit finds nothing.

    Each pass of the loop either returns or hides one more published cell, never un-hiding one,
    so the loop ends after at most as many passes as there are published cells; the assertion
    below states it. Any doubt (the audit gives up) publishes nothing."""
    withheld = Suppressed(shown={}, hidden=frozenset(table.published), withheld=True)
    root = table.root
    if root is not None and 1 <= table.values[root] <= threshold:
        return withheld
    hidden = {key for key in table.published if 1 <= table.values[key] <= threshold}
    most = len(table.published) - len(hidden) + 1
    for passes in range(1, most + 1):
        try:
            disclosed = audit(table, hidden, threshold=threshold)
        except AuditGaveUp:
            return withheld
        if not disclosed:
            shown = {key: table.values[key] for key in table.published if key not in hidden}
            return Suppressed(shown=shown, hidden=frozenset(hidden), withheld=False, passes=passes)
        candidate = _next_to_hide(table, hidden, disclosed, threshold)
        if candidate is None or candidate == root:
            return withheld
        if candidate in hidden:
            raise AssertionError("secondary suppression must hide one more cell each pass")
        hidden.add(candidate)
    # Unreachable: after `most - 1` hiding passes nothing non-zero is left to hide, so the next
    # pass returns (the audit finds nothing, or no candidate is left).
    raise AssertionError("secondary suppression ran more passes than there are cells")


def audit(table: Table, hidden: set[Key], *, threshold: int = THRESHOLD) -> set[Key]:
    """The cells (hidden or structural) holding 1 to `threshold` that an attacker who knows the
    shown cells and the equations can work out exactly. Raises AuditGaveUp when it cannot tell."""
    values = table.values
    lo: dict[Key, float] = {}
    hi: dict[Key, float] = {}
    for key, value in values.items():
        if key in table.published and key not in hidden:
            lo[key] = hi[key] = value
        else:
            lo[key], hi[key] = (1 if key in hidden else 0), INF
    rounds = _round_cap(table.equations)
    if not _propagate(lo, hi, table.equations, rounds):
        raise AuditGaveUp("the equations contradict the true counts")

    disclosed = set()
    open_cells = set()
    for key, value in values.items():
        if lo[key] == hi[key]:
            if lo[key] != value:
                raise AuditGaveUp("propagation lost the true count")
            if key not in table.published or key in hidden:
                if 1 <= value <= threshold:
                    disclosed.add(key)
        else:
            open_cells.add(key)

    for cells, equations in _components(table.equations, open_cells):
        pivots = _pivots(cells, equations, open_cells)
        if pivots:
            disclosed |= _audit_by_cases(table, lo, hi, cells, equations, pivots, threshold)
    return disclosed


def _round_cap(equations: Sequence) -> int:
    # On a forest the fixed point comes within one round more than the number of equations;
    # cyclic parts (multiple choice) settle within a few rounds too. Far above both.
    return 4 * len(equations) + 200


def _propagate(lo: dict, hi: dict, equations: Sequence[tuple[Key, tuple[Key, ...]]], max_rounds: int) -> bool:
    """Tighten the intervals in place to a fixed point. False when some interval is empty;
    AuditGaveUp when the cap on rounds is reached first."""
    for _round in range(max_rounds):
        changed = False
        for total, parts in equations:
            sum_lo = sum(lo[part] for part in parts)
            sum_hi = sum(hi[part] for part in parts)
            new_lo, new_hi = max(lo[total], sum_lo), min(hi[total], sum_hi)
            if new_lo > new_hi:
                return False
            if new_lo != lo[total] or new_hi != hi[total]:
                lo[total], hi[total], changed = new_lo, new_hi, True
            for part in parts:
                others_lo = sum(lo[other] for other in parts if other != part)
                others_hi = sum(hi[other] for other in parts if other != part)
                new_lo = max(lo[part], lo[total] - others_hi)  # minus INF is -INF: no bound
                new_hi = min(hi[part], hi[total] - others_lo)
                if new_lo > new_hi:
                    return False
                if new_lo != lo[part] or new_hi != hi[part]:
                    lo[part], hi[part], changed = new_lo, new_hi, True
        if not changed:
            return True
    raise AuditGaveUp("propagation did not settle within its cap")


def _components(equations, open_cells: set[Key]) -> list[tuple[set[Key], list[int]]]:
    """Connected parts of the graph of open (not yet exact) cells and the equations holding
    them: (cells, equation indexes)."""
    by_cell: dict[Key, list[int]] = {}
    for index, (total, parts) in enumerate(equations):
        for key in (total, *parts):
            if key in open_cells:
                by_cell.setdefault(key, []).append(index)
    seen: set[Key] = set()
    found = []
    for start in by_cell:
        if start in seen:
            continue
        cells, indexes, stack = {start}, set(), [start]
        seen.add(start)
        while stack:
            for index in by_cell[stack.pop()]:
                if index in indexes:
                    continue
                indexes.add(index)
                total, parts = equations[index]
                for key in (total, *parts):
                    if key in open_cells and key not in seen:
                        seen.add(key)
                        cells.add(key)
                        stack.append(key)
        found.append((cells, [(i, equations[i]) for i in sorted(indexes)]))
    return found


def _is_forest(cells: set[Key], equations, removed: set[Key]) -> bool:
    """Whether the cell-equation graph, without the removed cells, has no cycle (union-find)."""
    parent: dict = {}

    def find(node):
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for index, (total, parts) in equations:
        for key in (total, *parts):
            if key in cells and key not in removed:
                a, b = find(("cell", key)), find(("eq", index))
                if a == b:
                    return False
                parent[a] = b
    return True


def _pivots(cells: set[Key], equations, open_cells: set[Key]) -> list[Key]:
    """Cells to fix so that the rest of a component is a forest: none for a forest; else, one at
    a time, the open cell in the most equations of what is still cyclic."""
    pivots: list[Key] = []
    while not _is_forest(cells, equations, set(pivots)):
        if len(pivots) == MAX_PIVOTS:
            raise AuditGaveUp("too many cycles to check exactly")
        core = _two_core(cells - set(pivots), equations)
        degree: dict[Key, int] = {}
        for _index, (total, parts) in equations:
            for key in (total, *parts):
                if key in core:
                    degree[key] = degree.get(key, 0) + 1
        pivots.append(max(sorted(degree, key=repr), key=lambda key: degree[key]))
    return pivots


def _two_core(cells: set[Key], equations) -> set[Key]:
    """The cells left once cells and equations with a single link are pruned away: those on or
    between cycles."""
    links = {("eq", index): {key for key in (total, *parts) if key in cells} for index, (total, parts) in equations}
    for node, keys in list(links.items()):
        for key in keys:
            links.setdefault(("cell", key), set()).add(node)
    for key in cells:
        links.setdefault(("cell", key), set())
    for node in list(links):
        if node[0] == "eq":
            links[node] = {("cell", key) for key in links[node]}
    stack = [node for node, near in links.items() if len(near) <= 1]
    while stack:
        node = stack.pop()
        if node not in links:
            continue
        for other in links.pop(node):
            if other in links:
                links[other].discard(node)
                if len(links[other]) <= 1:
                    stack.append(other)
    return {node[1] for node in links if node[0] == "cell"}


def _audit_by_cases(table, lo, hi, cells, equations, pivots, threshold) -> set[Key]:
    """Exact audit of a cyclic component: values of the pivots, each case making the rest a
    forest on which propagation is exact. A cell of interest (1 to threshold, not yet exact) is
    safe once some case allows it a value other than its true one. Cases are tried nearest to the
    true values first, so that safe cells are found safe within a few cases; a cell still pinned
    is disclosed only once every case was tried, and when there are more than MAX_CASES the
    audit gives up (fails safe) instead."""
    values = table.values
    watched = {key for key in cells if 1 <= values[key] <= threshold}
    if not watched:
        return set()
    spans = [(values[p], int(lo[p]), hi[p]) for p in pivots]
    every = math.prod((high - low + 1) if high != INF else INF for _true, low, high in spans)
    keys = {key for _index, (total, parts) in equations for key in (total, *parts)}
    plain = [equation for _index, equation in equations]
    rounds = _round_cap(plain)
    for case in islice(_nearest_first(spans), MAX_CASES):
        case_lo = {key: lo[key] for key in keys}
        case_hi = {key: hi[key] for key in keys}
        for pivot, value in zip(pivots, case, strict=True):
            case_lo[pivot] = case_hi[pivot] = value
        if not _propagate(case_lo, case_hi, plain, rounds):
            continue  # no solution with these pivot values
        watched = {key for key in watched if case_lo[key] == case_hi[key] == values[key]}
        if not watched:
            return set()
    if every > MAX_CASES:
        raise AuditGaveUp("too many cases to check exactly")
    return watched


def _nearest_first(spans: list[tuple[int, int, float]]):
    """Every combination of pivot values within their bounds (low, high; high may be INF),
    by growing total distance from the true values."""
    most = sum((max(true - low, high - true) if high != INF else INF) for true, low, high in spans)
    distance = 0
    while distance <= most:
        yield from _at_distance(spans, distance)
        distance += 1


def _at_distance(spans, distance: int):
    if not spans:
        if distance == 0:
            yield ()
        return
    (true, low, high), rest = spans[0], spans[1:]
    for step in range(distance + 1):
        for value in {true - step, true + step}:
            if low <= value <= high:
                for tail in _at_distance(rest, distance - step):
                    yield (value, *tail)


CANDIDATES_TRIED = 12  # near cells whose hiding is tried each pass, to pick the one that helps most


def _next_to_hide(table: Table, hidden: set[Key], disclosed: set[Key], threshold: int) -> Key | None:
    """The next cell to hide: among the shown non-zero cells near a disclosed cell (in an
    equation holding it, or one step further through a cell that is not shown), the one that
    leaves the fewest disclosed cells, then the smallest; failing those, the smallest of the
    equations nearest to it (breadth first); failing that, the smallest anywhere. Which cell is
    chosen only changes how much is shown, never whether the result is safe: the audit runs
    again after each one."""

    def shown_nonzero(key: Key) -> bool:
        return key in table.published and key not in hidden and table.values[key] > 0

    def smallest(keys: Iterable[Key]) -> Key | None:
        candidates = sorted((key for key in set(keys) if shown_nonzero(key)), key=repr)
        return min(candidates, key=lambda key: table.values[key]) if candidates else None

    by_cell: dict[Key, list[tuple[Key, tuple[Key, ...]]]] = {}
    for total, parts in table.equations:
        for key in (total, *parts):
            by_cell.setdefault(key, []).append((total, parts))

    def around(cells: Iterable[Key]) -> set[Key]:
        return {key for cell in cells for total, parts in by_cell.get(cell, ()) for key in (total, *parts)}

    near = around(disclosed)
    near |= around(key for key in near if not (key in table.published and key not in hidden))
    candidates = sorted(
        (key for key in near - {table.root} if shown_nonzero(key)), key=lambda key: (table.values[key], repr(key))
    )[:CANDIDATES_TRIED]

    def left_disclosed(candidate: Key) -> int:
        try:
            return len(audit(table, hidden | {candidate}, threshold=threshold))
        except AuditGaveUp:
            return len(table.values) + 1

    if candidates:
        return min(candidates, key=lambda key: (left_disclosed(key), table.values[key], repr(key)))
    # Hiding the root only when nothing else can be done (then suppress() publishes nothing).
    frontier, seen = set(disclosed), set(disclosed)
    while frontier:
        near = around(frontier)
        choice = smallest(near - {table.root})
        if choice is not None:
            return choice
        frontier = near - seen
        seen |= near
    return smallest(set(table.published) - {table.root}) or smallest({table.root} - {None})


# --- Questionnaires: the tables surveys publish ------------------------------------------------

ONE = "one"  # exactly one value per answer (single choice, yes/no, scale)
MANY = "many"  # one value or more per answer (multiple choice)
COUNT = "count"  # only whether it was answered (a number question's count)


@dataclass(frozen=True)
class Item:
    """One question's true counts. `counts` maps each value (every choice, even one nobody
    picked) to the number of people who gave it. `parent` is (question, value) for a question
    asked only when an earlier answer was (or, for MANY, included) that value; for a COUNT parent,
    `asked` is how many gave that value. `all_asked_answer`: a required question, so nobody who
    was asked could skip it (the attacker knows that too)."""

    name: str
    kind: str
    answered: int
    counts: Mapping[str, int] = field(default_factory=dict)
    parent: tuple[str, str] | None = None
    asked: int | None = None
    all_asked_answer: bool = False


def questionnaire_table(total: int, items: Sequence[Item]) -> Table:
    """The table of a questionnaire's public numbers: the grand total; per question a row of its
    values and "no answer" adding up to the total; for MANY, the structural "did not choose" of
    each value and "extra choices" (everyone who answers picks at least one); for a show-if
    question, the link "answered + asked but skipped = the parent's matching count".

    Keys: ("total",), ("answered", q), ("none", q), ("value", q, v); structural: ("not", q, v),
    ("chosen", q), ("extra", q), ("skipped", q), ("asked", q), ("not_asked", q). ("answered", q)
    is published for COUNT only."""
    table = Table()
    table.root = table.cell(("total",), total)
    by_name = {item.name: item for item in items}
    for item in items:
        if not 0 <= item.answered <= total:
            raise ValueError(f"{item.name}: more answers than people")
        answered = table.cell(("answered", item.name), item.answered, published=item.kind == COUNT)
        none = table.cell(("none", item.name), total - item.answered)
        table.equation(table.root, [answered, none])
        if item.kind == ONE:
            cells = [table.cell(("value", item.name, value), n) for value, n in item.counts.items()]
            if cells:
                table.equation(answered, cells)
        elif item.kind == MANY:
            cells = []
            for value, n in item.counts.items():
                cells.append(table.cell(("value", item.name, value), n))
                not_chosen = table.cell(("not", item.name, value), item.answered - n, published=False)
                table.equation(answered, [cells[-1], not_chosen])
            if cells:
                # Everyone who answers picks at least one: chosen = sum of values = answered + extra.
                chosen = table.cell(("chosen", item.name), sum(item.counts.values()), published=False)
                extra = table.cell(("extra", item.name), table.values[chosen] - item.answered, published=False)
                table.equation(chosen, cells)
                table.equation(chosen, [answered, extra])
        elif item.kind != COUNT:
            raise ValueError(f"{item.name}: unknown kind {item.kind!r}")
    for item in items:
        if item.parent is not None and item.parent[0] in by_name:
            _link(table, item, by_name[item.parent[0]], item.parent[1])
    return table


def _link(table: Table, item: Item, parent: Item, value: str) -> None:
    """answered + skipped = asked, where asked is the parent's matching count (a cell of its
    row, or for a COUNT parent a structural part of its answerers)."""
    answered = ("answered", item.name)
    if parent.kind in (ONE, MANY):
        asked = ("value", parent.name, value)
        if asked not in table.values:
            return
    else:
        if item.asked is None or not item.answered <= item.asked <= parent.answered:
            return
        asked = table.cell(("asked", item.name), item.asked, published=False)
        rest = table.cell(("not_asked", item.name), parent.answered - item.asked, published=False)
        table.equation(("answered", parent.name), [asked, rest])
    skipped = table.values[asked] - item.answered
    if skipped < 0:
        return  # the rule did not hold for every response: no such equation
    if skipped == 0 and item.all_asked_answer:
        table.equation(asked, [answered])
        return
    table.cell(("skipped", item.name), skipped, published=False)
    table.equation(asked, [answered, ("skipped", item.name)])
