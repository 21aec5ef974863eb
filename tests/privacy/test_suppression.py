"""Small-count suppression, checked by an attacker who tries every possible set of answers.

The attacker simulation is brute force and independent of the audit: for small questionnaires it
enumerates every way the same number of people could have answered (counts of each answer
pattern), keeps those that show exactly the published numbers (and a non-zero count behind each
hidden one), and asserts that no hidden or never-published group of 1 to 10 people has the same
size in all of them."""

import random
from itertools import combinations

import pytest

from privacy.suppression import (
    COUNT,
    MANY,
    ONE,
    THRESHOLD,
    Item,
    Table,
    audit,
    questionnaire_table,
    suppress,
)

# --- The brute-force attacker ---------------------------------------------------------------
#
# A family is a few questions, linked by show-if rules, that no published number crosses (other
# families share only the grand total, which is always shown). A person's answers to a family are
# a pattern; the published numbers are sums over people, so a family's data is a count per
# pattern, and the attacker's candidates are all the ways of splitting the total among patterns.


def _subsets(values):
    return [frozenset(c) for r in range(1, len(values) + 1) for c in combinations(values, r)]


def family_patterns(spec):
    """Every pattern of answers for a family spec: {"parent": (name, kind, values, required),
    "child": (name, kind, values, required, on_value) or None}. A pattern is {name: answer},
    where an answer is a value, a frozenset of values (MANY), or None (no answer)."""
    name, kind, values, required = spec["parent"]
    answers = _answers(kind, values, required)
    child = spec.get("child")
    patterns = []
    for answer in answers:
        pattern = {name: answer}
        if child is None:
            patterns.append(pattern)
            continue
        child_name, child_kind, child_values, child_required, on_value = child
        asked = answer is not None and (on_value in answer if isinstance(answer, frozenset) else answer == on_value)
        if not asked:
            patterns.append({**pattern, child_name: None})
            continue
        for child_answer in _answers(child_kind, child_values, child_required):
            patterns.append({**pattern, child_name: child_answer})
    return patterns


def _answers(kind, values, required):
    if kind == MANY:
        found = _subsets(values)
    else:
        found = list(values)
    return found if required else [*found, None]


def person_cells(spec, pattern):
    """The cells of the questionnaire table one person with these answers counts in, worked out
    from the answers themselves (not from questionnaire_table)."""
    cells = {}

    def add(key, n=1):
        cells[key] = cells.get(key, 0) + n

    questions = [spec["parent"], *([spec["child"]] if spec.get("child") else [])]
    for question in questions:
        name, kind, values = question[0], question[1], question[2]
        answer = pattern[name]
        if answer is None:
            add(("none", name))
            continue
        add(("answered", name))
        if kind == ONE:
            add(("value", name, answer))
        elif kind == MANY:
            for value in values:
                add(("value", name, value) if value in answer else ("not", name, value))
            add(("chosen", name), len(answer))
            add(("extra", name), len(answer) - 1)
        elif kind == COUNT:
            pass
    child = spec.get("child")
    if child:
        parent_name, parent_kind = spec["parent"][0], spec["parent"][1]
        child_name, on_value = child[0], child[4]
        answer = pattern[parent_name]
        asked = answer is not None and (on_value in answer if isinstance(answer, frozenset) else answer == on_value)
        if asked and pattern[child_name] is None:
            add(("skipped", child_name))
        if parent_kind == COUNT and answer is not None:
            add(("asked", child_name) if asked else ("not_asked", child_name))
    return cells


def family_items(spec, counts_by_pattern):
    """The Items (true counts) a family's data gives, as surveys would compute them."""
    patterns = family_patterns(spec)
    items = []
    questions = [spec["parent"], *([spec["child"]] if spec.get("child") else [])]
    for index, question in enumerate(questions):
        name, kind, values, required = question[:4]
        answered = sum(n for p, n in zip(patterns, counts_by_pattern, strict=True) if p[name] is not None)
        counts = {}
        if kind in (ONE, MANY):
            for value in values:
                counts[value] = sum(
                    n
                    for p, n in zip(patterns, counts_by_pattern, strict=True)
                    if p[name] is not None and (value in p[name] if kind == MANY else p[name] == value)
                )
        parent = asked = None
        if index == 1:
            parent = (spec["parent"][0], question[4])
            if spec["parent"][1] == COUNT:
                asked = sum(
                    n for p, n in zip(patterns, counts_by_pattern, strict=True) if p[spec["parent"][0]] == question[4]
                )
        items.append(
            Item(name, kind, answered, counts, parent=parent, asked=asked, all_asked_answer=bool(required and index))
        )
    return items


def compositions(total, parts):
    if parts == 1:
        yield (total,)
        return
    for first in range(total + 1):
        for rest in compositions(total - first, parts - 1):
            yield (first, *rest)


def attacker_finds(spec, total, truth, result):
    """Cells of this family (hidden, or never published) holding 1 to 10 whose value is the same
    in every data set consistent with what is published."""
    patterns = family_patterns(spec)
    unit = [person_cells(spec, pattern) for pattern in patterns]
    names = {spec["parent"][0], *([spec["child"][0]] if spec.get("child") else [])}
    own = [key for key in truth.values if key != ("total",) and key[1] in names]
    shown = [(key, value) for key, value in result.shown.items() if key in own]
    hidden = [key for key in result.hidden if key in own]
    watched = {key for key in own if key not in result.shown and 1 <= truth.values[key] <= THRESHOLD}
    seen = {key: set() for key in watched}
    for counts in compositions(total, len(patterns)):

        def cell(key, counts=counts):
            return sum(n * u.get(key, 0) for n, u in zip(counts, unit, strict=True))

        if any(cell(key) != value for key, value in shown):
            continue
        if any(cell(key) < 1 for key in hidden):
            continue
        for key in list(watched):
            seen[key].add(cell(key))
            if len(seen[key]) > 1:
                watched.discard(key)
        if not watched:
            return set()
    return watched


QUESTION_KINDS = [
    lambda r, n: (n, ONE, ["a", "b"][: r.randint(1, 2)] + (["c"] if r.random() < 0.4 else []), r.random() < 0.2),
    lambda r, n: (n, MANY, ["a", "b"], r.random() < 0.2),
    lambda r, n: (n, COUNT, ["5", "9"], r.random() < 0.2),
]


def random_family(r, prefix):
    parent = r.choice(QUESTION_KINDS)(r, f"{prefix}p")
    if parent[1] == MANY and r.random() < 0.5:
        parent = (parent[0], MANY, ["a", "b"], parent[3])
    spec = {"parent": parent, "child": None}
    if r.random() < 0.7:
        child_kind = r.choice([ONE, ONE, MANY])
        values = ["x", "y"] if child_kind == ONE or parent[1] != MANY else ["x"]
        if parent[1] == MANY and child_kind == ONE:
            values = ["x"]
        on_value = r.choice(parent[2])
        spec["child"] = (f"{prefix}c", child_kind, values, r.random() < 0.3, on_value)
    return spec


def random_data(r, spec, total):
    patterns = family_patterns(spec)
    # Skewed counts, so small cells and near-complete rows both come up often.
    weights = [r.choice([0, 0, 1, 1, 2, 8, 20]) for _ in patterns]
    if not any(weights):
        weights[0] = 1
    counts = [0] * len(patterns)
    for _ in range(total):
        counts[r.choices(range(len(patterns)), weights)[0]] += 1
    return counts


@pytest.mark.parametrize("seed", range(60))
def test_the_brute_force_attacker_learns_no_small_count(seed):
    r = random.Random(seed)
    total = r.randint(11, 13)
    specs = [random_family(r, f"f{n}") for n in range(r.randint(1, 2))]
    data = [random_data(r, spec, total) for spec in specs]
    items = [item for spec, counts in zip(specs, data, strict=True) for item in family_items(spec, counts)]
    table = questionnaire_table(total, items)
    # The table's cells are what the people's answers make them.
    for spec, counts in zip(specs, data, strict=True):
        for pattern, n in zip(family_patterns(spec), counts, strict=True):
            for key, value in person_cells(spec, pattern).items():
                if key in table.values:
                    table.values[key] -= n * value
    assert not any(value for key, value in table.values.items() if key != ("total",))
    table = questionnaire_table(total, items)

    result = suppress(table)

    assert not any(1 <= value <= THRESHOLD for value in result.shown.values())
    if result.withheld:
        return
    for spec in specs:
        assert attacker_finds(spec, total, table, result) == set(), spec


@pytest.mark.parametrize("seed", range(40))
def test_random_nested_rows_disclose_nothing(seed):
    """Generic tables: a total split into rows, some rows split again; some cells never shown."""
    r = random.Random(1000 + seed)
    table = Table()
    leaves = [r.choice([0, 1, 2, 3, 6, 12]) for _ in range(r.randint(2, 4))]
    total = sum(leaves)
    if total == 0:
        leaves[0] = total = 11
    keys = [table.cell(("leaf", n), v, published=r.random() < 0.85) for n, v in enumerate(leaves)]
    table.root = table.cell(("total",), total)
    groups = []
    if len(keys) >= 3 and r.random() < 0.6:
        split = r.randint(2, len(keys) - 1)
        sub = table.cell(("sub",), sum(leaves[:split]), published=r.random() < 0.7)
        table.equation(sub, keys[:split])
        groups = [sub, *keys[split:]]
    else:
        groups = keys
    table.equation(table.root, groups)

    result = suppress(table)

    if result.withheld:
        assert total <= THRESHOLD or not result.shown
        return
    unknown = [k for k in keys if k not in result.shown]
    watched = {k for k in table.values if k not in result.shown and 1 <= table.values[k] <= THRESHOLD}
    seen = {k: set() for k in watched}
    for candidate in compositions(total, len(keys)):
        values = dict(zip(keys, candidate, strict=True))
        if ("sub",) in table.values:
            values[("sub",)] = sum(candidate[: len(keys) - (len(groups) - 1)])
        values[("total",)] = total
        if any(values[k] != v for k, v in result.shown.items()):
            continue
        if any(values[k] < 1 for k in result.hidden):
            continue
        for k in watched:
            seen[k].add(values[k])
    assert unknown is not None
    assert not [k for k in watched if len(seen[k]) == 1], (leaves, result)


# --- Specific cases -------------------------------------------------------------------------


def row(total, counts, *, none=None, kind=ONE, name="q"):
    answered = total - (none or 0)
    return questionnaire_table(total, [Item(name, kind, answered, counts)])


def test_one_small_cell_in_a_full_row_takes_its_neighbour_with_it():
    result = suppress(row(50, {"a": 45, "b": 5}))
    assert ("value", "q", "b") in result.hidden
    assert ("value", "q", "a") in result.hidden  # else 50 - 45 - 0 = 5
    assert result.shown[("total",)] == 50 and result.shown[("none", "q")] == 0


def test_two_small_cells_hide_each_other():
    table = row(47, {"a": 40, "b": 3, "c": 4})
    result = suppress(table)
    assert result.shown[("value", "q", "a")] == 40
    assert {("value", "q", "b"), ("value", "q", "c")} <= result.hidden
    assert audit(table, set(result.hidden)) == set()  # 3 + 4 = 7 is known, neither alone


def test_a_row_of_ones_cannot_be_protected_so_nothing_is_published():
    result = suppress(row(12, {f"v{n}": 1 for n in range(12)}))
    assert result.withheld and result.shown == {}


def test_small_did_not_choose_counts_are_protected():
    table = questionnaire_table(40, [Item("q", MANY, 40, {"a": 35, "b": 38, "c": 20})])
    result = suppress(table)
    # 5 did not choose a and 2 did not choose b: neither may be worked out from 40 - 35.
    assert ("value", "q", "a") in result.hidden and ("value", "q", "b") in result.hidden
    assert result.shown[("value", "q", "c")] == 20


def test_everyone_picks_at_least_one_choice_is_known_to_the_attacker():
    # 25 chose a, nobody chose b: only 25 can have answered, so "no answer" = 5 would be known.
    table = questionnaire_table(30, [Item("q", MANY, 25, {"a": 25, "b": 0})])
    result = suppress(table)
    assert ("none", "q") in result.hidden
    assert ("value", "q", "a") in result.hidden


def test_asked_but_skipped_is_protected_through_the_show_if_link():
    table = questionnaire_table(
        100,
        [Item("p", ONE, 100, {"v": 15, "w": 85}), Item("q", ONE, 7, {"x": 3, "y": 4}, parent=("p", "v"))],
    )
    # 100 - 93 = 7 answered q, and 15 - 7 = 8 were asked but skipped it: both small, both known.
    assert audit(table, {("value", "q", "x"), ("value", "q", "y")}) == {("skipped", "q"), ("answered", "q")}
    result = suppress(table)
    assert not result.withheld
    assert audit(table, set(result.hidden)) == set()


def test_a_required_show_if_question_links_without_a_skipped_cell():
    table = questionnaire_table(
        60,
        [
            Item("p", ONE, 60, {"v": 30, "w": 30}),
            Item("q", ONE, 30, {"x": 25, "y": 5}, parent=("p", "v"), all_asked_answer=True),
        ],
    )
    assert ("skipped", "q") not in table.values
    result = suppress(table)
    assert ("value", "q", "y") in result.hidden and ("value", "q", "x") in result.hidden


@pytest.mark.parametrize("total", [1, 5, 10])
def test_a_grand_total_of_ten_or_fewer_publishes_nothing(total):
    result = suppress(row(total, {"a": total}))
    assert result.withheld and result.shown == {}


def test_zero_may_be_shown():
    result = suppress(row(30, {"a": 30, "b": 0}))
    assert result.shown[("value", "q", "b")] == 0 and result.shown[("value", "q", "a")] == 30


def test_equations_must_hold_for_the_true_counts():
    table = Table()
    table.cell("t", 5)
    table.cell("a", 2)
    with pytest.raises(ValueError):
        table.equation("t", ["a"])


def cross_table(r, rows, columns):
    """A two-way table with row and column totals: cyclic, the kind the audit cannot vouch for."""
    table = Table()
    cells = [[table.cell(("c", i, j), r.choice([0, 1, 3, 12, 30])) for j in range(columns)] for i in range(rows)]
    row_totals = [table.cell(("r", i), sum(table.values[c] for c in cells[i])) for i in range(rows)]
    col_totals = [table.cell(("k", j), sum(table.values[cells[i][j]] for i in range(rows))) for j in range(columns)]
    table.root = table.cell(("t",), sum(table.values[c] for c in row_totals))
    for i in range(rows):
        table.equation(row_totals[i], cells[i])
    for j in range(columns):
        table.equation(col_totals[j], [cells[i][j] for i in range(rows)])
    table.equation(table.root, row_totals)
    return table


def _many(r, name):
    answered = 500 - r.randint(0, 12)
    return Item(name, MANY, answered, {"a": r.randint(answered - 488, answered), "b": 488})


def _full_row(counts):
    return row(sum(counts.values()), counts)


@pytest.mark.parametrize("seed", range(10))
def test_it_ends_on_adversarial_tables(seed):
    r = random.Random(seed)
    for table in (
        cross_table(r, r.randint(2, 4), r.randint(2, 4)),
        _full_row({f"v{n}": r.choice([1, 2, 11, 5000]) for n in range(40)}),
        questionnaire_table(500, [_many(r, f"m{n}") for n in range(6)]),
    ):
        result = suppress(table)
        assert result.withheld or result.passes <= len(table.published) + 1
        assert not any(1 <= value <= THRESHOLD for value in result.shown.values())
        if not result.withheld:
            assert audit(table, set(result.hidden)) == set()


def test_percentages_need_a_shown_count():
    result = suppress(row(40, {"a": 33, "b": 7}))
    # The page shows a percentage only next to a shown count; a hidden count has neither.
    assert ("value", "q", "b") not in result.shown


@pytest.mark.parametrize("seed", range(40))
def test_the_brute_force_attacker_learns_nothing_from_multiple_choice(seed):
    """Multiple choice, where "everyone who answers picks one or more" is a fact the attacker
    uses: answers bunched on few choices, and a few people who skipped."""
    r = random.Random(5000 + seed)
    values = ["a", "b", "c"][: r.randint(2, 3)]
    spec = {"parent": ("m", MANY, values, False), "child": None}
    if len(values) == 2 and r.random() < 0.4:
        spec["child"] = ("k", ONE, ["x", "y"], r.random() < 0.5, "a")
    total = r.randint(13, 22) if len(values) == 2 and spec["child"] is None else r.randint(11, 13)
    patterns = family_patterns(spec)
    skipped = [n for n, p in enumerate(patterns) if p["m"] is None]
    answering = [n for n, p in enumerate(patterns) if p["m"] is not None]
    single = [n for n in answering if len(patterns[n]["m"]) == 1]
    favourite = r.sample(single, 1) + r.sample(answering, r.randint(0, 1))
    counts = [0] * len(patterns)
    counts[skipped[0]] = r.choice([0, 1, 2, 4, 7])
    for _ in range(total - counts[skipped[0]]):
        counts[r.choice(favourite) if r.random() < 0.9 else r.choice(answering)] += 1
    table = questionnaire_table(total, family_items(spec, counts))

    result = suppress(table)

    assert not any(1 <= value <= THRESHOLD for value in result.shown.values())
    if not result.withheld:
        assert attacker_finds(spec, total, table, result) == set()
