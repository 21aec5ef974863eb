"""Realistic complaints for the public statistics, bulk-inserted straight into PostgreSQL.

    from bench.stats_seed import seed
    seed(connection, 1_000_000, seed=7)   # a psycopg2 or Django connection, or a cursor of one

Complaints from January 2024 to now, more each year (the programme grows); 25 field offices of
very uneven sizes (Houston, Los Angeles, New York and Chicago big; Buffalo, Salt Lake City and
Saint Paul with a handful a year whatever the size) and 3 % with no field office; Spanish about
60 %, Punjabi rare; older complaints mostly closed, with outcomes; body cameras seen more often as
the rollout goes on; race or ethnic group left empty by 40 %, "declined" by some, two groups by a
few; 85 % agree to be counted; 1 to 3 allegations each; and a footage request for 5 %, with its
events (received, its first decision, appeals), a few pauses, extensions and perfected dates, and
the reason when there was no video.

Every draw is a hash of the complaint's number and the seed (hashint8extended), not random(),
so one seed gives the same rows whatever the plan, and no Python loop touches a row: a few
INSERT … SELECT generate_series statements (100,000 complaints in about 10 s, 1,000,000 in under
two minutes). References are taken from the app's counters (core_referencecounter), so the app
keeps numbering after them.
"""

import time
from datetime import datetime

# (code, weight) for the 22 field offices drawn by weight; None: no field office.
OFFICE_WEIGHTS = [
    ("HOU", 12), ("LOS", 11), ("NYC", 10), ("CHI", 9), ("MIA", 6), ("DAL", 6), ("SNA", 5), ("PHO", 5),
    ("ATL", 5), ("NEW", 4), ("SFR", 4), ("SND", 4), ("ELP", 3), ("HLG", 3), ("WAS", 3), ("DEN", 2),
    ("SEA", 2), ("BOS", 2), ("PHI", 2), ("NOL", 2), ("BAL", 1), ("DET", 1), (None, 3.1),
]  # fmt: skip
# Tiny offices: this many complaints a year, at every size.
TINY_OFFICES = {"BUF": 4, "SLC": 7, "SPM": 9}
START = "2024-01-01 00:00:00 America/Chicago"

# Statuses by age: under two weeks, under six months, older.
STATUS_NEW = [("received", 35), ("acknowledged", 25), ("in_review", 25), ("needs_info", 10), ("closed", 5)]
STATUS_MONTHS = [("received", 3), ("acknowledged", 7), ("in_review", 25), ("needs_info", 5), ("referred", 20),
                 ("closed", 40)]  # fmt: skip
STATUS_OLD = [("received", 1), ("in_review", 3), ("needs_info", 1), ("referred", 5), ("closed", 90)]
CHANNELS = [("web", 42), ("sms", 28), ("whatsapp", 12), ("voice", 8), ("email", 4), ("api", 5), ("paper", 1)]
LANGUAGES = [
    ("es", 60), ("en", 18), ("ht", 6), ("pt", 5), ("zh-hans", 3), ("fr", 2), ("vi", 2), ("ru", 2), ("ar", 1.5),
    ("pa", 0.5),
]  # fmt: skip
OUTCOMES = [
    ("substantiated", 8), ("not_substantiated", 30), ("unfounded", 10), ("exonerated", 7), ("resolved", 15),
    ("withdrawn", 8), ("duplicate", 5), ("no_jurisdiction", 6), ("unable_to_contact", 10), ("", 1),
]  # fmt: skip
FILER_ROLES = [("person_affected", 55), ("family", 25), ("witness", 12), ("advocate", 6), ("unknown", 2)]
RECORDING = [("yes", 40), ("no", 35), ("unknown", 22), ("", 3)]
RACE_ONE = [
    ("hispanic", 66), ("indigenous_latam", 10), ("black", 10), ("white", 4), ("asian", 5), ("middle_eastern", 2),
    ("native_american", 1), ("pacific", 0.5), ("other", 1.5),
]  # fmt: skip
RACE_TWO = [('["hispanic", "indigenous_latam"]', 4), ('["black", "hispanic"]', 3), ('["hispanic", "white"]', 2),
            ('["asian", "pacific"]', 1)]  # fmt: skip
ALLEGATIONS = [
    ("excessive_force", 14), ("discrimination", 8), ("verbal_abuse", 14), ("medical_neglect", 5),
    ("unlawful_entry", 9), ("property", 7), ("children_family", 7), ("language_access", 5), ("coercion", 4),
    ("lawyer_access", 4), ("sexual_misconduct", 1), ("retaliation", 3), ("body_camera", 6),
    ("no_identification", 7), ("privacy", 3), ("other", 3),
]  # fmt: skip
PLACES = [("home", 30), ("workplace", 12), ("street", 25), ("courthouse", 8), ("check_in", 10), ("detention", 8),
          ("transport", 4), ("other", 3)]  # fmt: skip
AGENCIES = [("ice_ero", 60), ("ice_hsi", 5), ("cbp", 12), ("local_with_ice", 8), ("unknown", 15)]
TIMES = [("early_morning", 25), ("morning", 30), ("afternoon", 20), ("evening", 12), ("night", 8), ("unknown", 5)]
YES_NO_UNKNOWN = [("yes", 30), ("no", 55), ("unknown", 10), ("", 5)]
MASKED = [("all", 25), ("some", 30), ("none", 25), ("unknown", 15), ("", 5)]
MEDICAL = [("not_needed", 60), ("received", 12), ("denied", 10), ("unknown", 13), ("", 5)]
AGES = [("18_24", 15), ("25_34", 30), ("35_44", 25), ("45_64", 15), ("65_plus", 3), ("under_18", 2), ("declined", 5),
        ("", 5)]  # fmt: skip
GENDERS = [("woman", 45), ("man", 45), ("nonbinary", 1), ("declined", 4), ("", 5)]
WANTS = [('["investigation"]', 40), ('["investigation", "footage"]', 20), ('["on_record"]', 20), ('["footage"]', 8),
         ('["property"]', 7), ("[]", 5)]  # fmt: skip
URGENT = [('["detained"]', 50), ('["child_separated"]', 20), ('["medical"]', 20), ('["retaliation"]', 10)]

# Footage requests: a first decision for most older ones, appeals of some.
REQUESTERS = [("subject", 45), ("family", 20), ("attorney", 20), ("advocacy", 10), ("journalist", 3), ("public", 2)]
BASES = [("foia", 60), ("privacy_act", 25), ("litigation", 10), ("internal", 5)]
FOOTAGE_ENDS = [
    ("released_full", 14), ("released_partial", 26), ("no_footage", 27), ("denied", 13), ("appealed", 7),
    ("appeal_decided", 4), ("withdrawn", 5), ("referred", 4),
]  # fmt: skip
FOOTAGE_PENDING = [("received", 20), ("acknowledged", 20), ("searching", 35), ("footage_located", 15),
                   ("redaction_review", 10)]  # fmt: skip
APPEALED_FROM = [("no_footage", 50), ("denied", 30), ("released_partial", 20)]
NO_FOOTAGE_REASONS = [("camera_not_worn", 35), ("not_activated", 30), ("malfunction", 10), ("deleted", 5),
                      ("activity_not_covered", 17), ("", 3)]  # fmt: skip
FOOTAGE_SHARE = 0.05


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def pick(draw: str, options: list[tuple]) -> str:
    """SQL choosing one option's code by weight from a uniform draw in [0, 1)."""
    total = sum(weight for _code, weight in options)
    bounds, running = [], 0.0
    for _code, weight in options:
        bounds.append(round(running / total, 6))
        running += weight
    codes = ", ".join("NULL" if code is None else _literal(code) for code, _weight in options)
    return f"(ARRAY[{codes}])[width_bucket({draw}, ARRAY[{', '.join(map(str, bounds))}]::float8[])]"


class Draws:
    """r(k): the k-th uniform draw in [0, 1) for the row numbered `column`, fixed by the seed."""

    def __init__(self, seed: int, column: str) -> None:
        self.seed, self.column = int(seed), column

    def __call__(self, k: int) -> str:
        return f"((hashint8extended({self.column}, {self.seed * 1000 + k}) & 2147483647)::float8 / 2147483648.0)"


def _complaints_draw_sql(r: Draws, offices: dict[str, int], tiny: list[int]) -> str:
    office_options = [(None if code is None else str(offices[code]), weight) for code, weight in OFFICE_WEIGHTS]
    tiny_ids = ", ".join(map(str, tiny)) or "0"
    # More complaints each year: density 1 + 2x over the span, so x = (sqrt(1 + 8u) - 1) / 2.
    growth = f"(sqrt(1 + 8 * {r(1)}) - 1) / 2"
    return f"""
CREATE TEMP TABLE stats_seed_complaint AS
SELECT g, x, created, office_id, age_days,
    CASE WHEN age_days < 14 THEN {pick(r(6), STATUS_NEW)} WHEN age_days < 180 THEN {pick(r(6), STATUS_MONTHS)}
         ELSE {pick(r(6), STATUS_OLD)} END AS status,
    {pick(r(3), LANGUAGES)} AS language
FROM (
    SELECT g, x, created, office_id, extract(epoch FROM %(now)s::timestamptz - created) / 86400 AS age_days
    FROM (
        SELECT g, x, %(start)s::timestamptz + x * (%(now)s::timestamptz - %(start)s::timestamptz) AS created,
            CASE WHEN g <= %(tiny_count)s THEN (ARRAY[{tiny_ids}]::bigint[])[g]
                 ELSE ({pick(r(4), office_options)})::bigint END AS office_id
        FROM (
            SELECT g, CASE WHEN g <= %(tiny_count)s THEN {r(1)} ELSE {growth} END AS x
            FROM generate_series(1, %(size)s::bigint) AS g
        ) AS numbered
    ) AS placed
) AS aged
"""


def _complaints_insert_sql(r: Draws) -> str:
    seen_yes = "(0.15 + 0.30 * x)"
    race = f"""CASE WHEN {r(20)} < 0.40 THEN '[]'::jsonb
         WHEN {r(20)} < 0.45 THEN '["declined"]'::jsonb
         WHEN {r(20)} < 0.49 THEN ({pick(r(21), RACE_TWO)})::jsonb
         ELSE jsonb_build_array({pick(r(21), RACE_ONE)}) END"""
    anonymous = f"{r(30)} < 0.6"
    return f"""
WITH inserted AS (
    INSERT INTO intake_complaint (
        created_at, updated_at, reference, receipt_index, submission_key, channel, language, filer_role,
        on_behalf_organization, on_behalf_consent_method, on_behalf_consent_by, urgent_flags, is_urgent, status,
        outcome, incident_date, date_is_approximate, time_of_day, city, state, place_type, field_office_id, agency,
        officer_count, officer_names, badge_numbers, vehicle_plates, markings, officers_masked, body_camera_seen,
        body_camera_recording, adults_count, children_count, injuries, injuries_description, medical_care,
        taken_into_custody, witnesses, narrative, wants, is_anonymous, consent_contact, consent_share_oversight,
        consent_statistics, age_range, gender, race_ethnicity, assignee_id, ack_due_at, acknowledged_at, version,
        needs_interpreter
    )
    SELECT
        created, created + CASE WHEN status <> 'received' THEN {r(7)} * interval '30 days' ELSE interval '0' END,
        'C-' || lpad((%(base)s + g)::text, greatest(6, length((%(base)s + g)::text)), '0'),
        md5('stats-receipt:' || %(seed)s || ':' || (%(base)s + g)), 'stats:' || %(seed)s || ':' || (%(base)s + g),
        {pick(r(2), CHANNELS)}, language, {pick(r(8), FILER_ROLES)}, '', '', '',
        CASE WHEN urgent THEN ({pick(r(9), URGENT)})::jsonb ELSE '[]'::jsonb END, urgent, status,
        CASE WHEN status = 'closed' THEN {pick(r(10), OUTCOMES)} ELSE '' END,
        (timezone('America/Chicago', created) - floor({r(11)} * 14) * interval '1 day')::date, {r(12)} < 0.2,
        {pick(r(13), TIMES)}, '', coalesce(fo.states ->> 0, ''), {pick(r(14), PLACES)}, office_id,
        {pick(r(15), AGENCIES)}, 1 + floor({r(16)} * 6)::int, '', '', '', '', {pick(r(17), MASKED)},
        CASE WHEN {r(18)} < {seen_yes} THEN 'yes'
             WHEN {r(18)} < {seen_yes} + (0.96 - {seen_yes}) * 0.55 THEN 'no'
             WHEN {r(18)} < 0.96 THEN 'unknown' ELSE '' END,
        CASE WHEN {r(18)} < {seen_yes} THEN {pick(r(19), RECORDING)} ELSE '' END,
        1 + floor({r(22)} * 3)::int, floor({r(23)} * 3)::int, {pick(r(24), YES_NO_UNKNOWN)}, '',
        {pick(r(25), MEDICAL)}, {pick(r(26), YES_NO_UNKNOWN)}, '', '', ({pick(r(27), WANTS)})::jsonb,
        {anonymous}, NOT ({anonymous}) AND {r(31)} < 0.9, {r(32)} < 0.5, {r(33)} < 0.85,
        {pick(r(34), AGES)}, {pick(r(35), GENDERS)}, {race}, NULL,
        date_trunc('day', created) + interval '23:59:59' + CASE WHEN urgent THEN interval '0'
             ELSE (CASE extract(isodow FROM created) WHEN 4 THEN 4 WHEN 5 THEN 4 WHEN 6 THEN 3 ELSE 2 END)
                  * interval '1 day' END,
        CASE WHEN status <> 'received' THEN created + {r(36)} * interval '40 hours' END,
        1, false
    FROM (SELECT *, {r(5)} < 0.05 AS urgent FROM stats_seed_complaint) AS c
    LEFT JOIN intake_fieldoffice AS fo ON fo.id = c.office_id
    ORDER BY g
    RETURNING id, reference
)
INSERT INTO stats_seed_id SELECT id, substr(reference, 3)::bigint - %(base)s FROM inserted
"""


def _allegations_sql(r: Draws) -> str:
    return f"""
INSERT INTO intake_allegation (complaint_id, kind)
SELECT id, {pick(r(40), ALLEGATIONS)} FROM stats_seed_id
UNION ALL
SELECT id, {pick(r(41), ALLEGATIONS)} FROM stats_seed_id WHERE {r(42)} < 0.45
UNION ALL
SELECT id, {pick(r(43), ALLEGATIONS)} FROM stats_seed_id WHERE {r(42)} < 0.15
ON CONFLICT DO NOTHING
"""


def _footage_draw_sql(r: Draws, rf: Draws) -> str:
    # Days from the start of the clock to the first decision: most within the legal time, some late.
    delay = f"""CASE WHEN {rf(3)} < 0.55 THEN 5 + floor({rf(4)} * 23) WHEN {rf(3)} < 0.85 THEN 28 + floor({rf(4)} * 32)
                ELSE 60 + floor({rf(4)} * 180) END"""
    return f"""
CREATE TEMP TABLE stats_seed_footage AS
SELECT fg, complaint_id, language, received_on, perfected_on,
    CASE WHEN perfected_on IS NOT NULL AND {rf(5)} < 0.12 AND perfected_on + 15 <= %(today)s
         THEN perfected_on + 15 END AS extended_on,
    CASE WHEN perfected_on IS NOT NULL AND {rf(6)} < 0.10 AND perfected_on + 3 <= %(today)s
         THEN perfected_on + 3 + floor({rf(7)} * 7)::int END AS pause_from,
    5 + floor({rf(8)} * 25)::int AS pause_days,
    decided_on,
    CASE WHEN decided_on > %(today)s THEN {pick(rf(9), FOOTAGE_PENDING)}
         ELSE CASE WHEN final IN ('appealed', 'appeal_decided') AND decided_on + 20 > %(today)s THEN first ELSE final END
    END AS status,
    first, {pick(rf(10), NO_FOOTAGE_REASONS)} AS reason,
    {pick(rf(11), REQUESTERS)} AS requester_type, {pick(rf(12), BASES)} AS legal_basis, {rf(13)} < 0.05 AS expedited
FROM (
    SELECT *, (coalesce(perfected_on, received_on) + ({delay})::int) AS decided_on,
        {pick(rf(14), FOOTAGE_ENDS)} AS final,
        {pick(rf(15), APPEALED_FROM)} AS appealed_from
    FROM (
        SELECT fg, complaint_id, language, received_on,
            CASE WHEN {rf(1)} < 0.78 AND received_on + floor({rf(2)} * 20)::int <= %(today)s
                 THEN received_on + floor({rf(2)} * 20)::int END AS perfected_on
        FROM (
            SELECT row_number() OVER (ORDER BY i.g) AS fg, i.id AS complaint_id, c.language,
                least(%(today)s, (timezone('America/Chicago', c.created))::date + floor({r(51)} * 30)::int) AS received_on
            FROM stats_seed_id AS i JOIN stats_seed_complaint AS c USING (g)
            WHERE {r(50)} < {FOOTAGE_SHARE}
        ) AS requests
    ) AS perfected
) AS decided
CROSS JOIN LATERAL (
    SELECT CASE WHEN final IN ('appealed', 'appeal_decided') THEN appealed_from ELSE final END AS first
) AS first_decision
"""


def _footage_insert_sql() -> str:
    return """
WITH inserted AS (
    INSERT INTO cases_footagerequest (
        reference, requester_type, legal_basis, language, received_on, perfected_on, extended_on,
        expedited_requested, expedited_granted, status, no_footage_reason, exemptions, hold_issued_on, hold_until,
        version, created_at, complaint_id, expedited_ground, requester_address, requester_email, requester_name
    )
    SELECT 'FR-' || lpad((%(base)s + fg)::text, greatest(6, length((%(base)s + fg)::text)), '0'),
        requester_type, legal_basis, language, received_on, perfected_on, extended_on, expedited,
        CASE WHEN expedited AND status <> 'received' THEN fg %% 3 <> 0 END, status,
        CASE WHEN first = 'no_footage' AND status IN ('no_footage', 'appealed', 'appeal_decided') THEN reason ELSE '' END,
        CASE WHEN first = 'denied' AND status IN ('denied', 'appealed', 'appeal_decided') THEN '["b7C"]'::jsonb
             ELSE '[]'::jsonb END,
        received_on, received_on + 1095, 1, timezone('America/Chicago', received_on + time '09:30'), complaint_id,
        CASE WHEN expedited THEN 'due_process' ELSE '' END, '', '', ''
    FROM stats_seed_footage
    ORDER BY fg
    RETURNING id, reference
)
INSERT INTO stats_seed_footage_id SELECT id, substr(reference, 4)::bigint - %(base)s FROM inserted
"""


FOOTAGE_EVENTS_SQL = """
INSERT INTO cases_footageevent (request_id, status, at)
SELECT id, status, timezone('America/Chicago', day + time '10:00') FROM (
    SELECT i.id, 'received' AS status, f.received_on AS day, 1 AS step
    FROM stats_seed_footage_id AS i JOIN stats_seed_footage AS f USING (fg)
    UNION ALL  -- the first decision: the one the statistics time
    SELECT i.id, f.first, f.decided_on, 2 FROM stats_seed_footage_id AS i JOIN stats_seed_footage AS f USING (fg)
    WHERE f.status IN ('released_full', 'released_partial', 'no_footage', 'denied', 'appealed', 'appeal_decided')
    UNION ALL
    SELECT i.id, 'appealed', f.decided_on + 20, 3 FROM stats_seed_footage_id AS i JOIN stats_seed_footage AS f USING (fg)
    WHERE f.status IN ('appealed', 'appeal_decided')
    UNION ALL
    SELECT i.id, 'appeal_decided', least(%(today)s, f.decided_on + 80), 4
    FROM stats_seed_footage_id AS i JOIN stats_seed_footage AS f USING (fg) WHERE f.status = 'appeal_decided'
    UNION ALL  -- where an open request stands, or how it ended without a decision
    SELECT i.id, f.status, least(%(today)s, f.received_on + 2), 5
    FROM stats_seed_footage_id AS i JOIN stats_seed_footage AS f USING (fg)
    WHERE f.status IN ('acknowledged', 'searching', 'footage_located', 'redaction_review', 'withdrawn', 'referred')
) AS events
ORDER BY id, step
"""
FOOTAGE_PAUSES_SQL = """
INSERT INTO cases_footagepause (request_id, started_on, ended_on)
SELECT i.id, f.pause_from, CASE WHEN f.pause_from + f.pause_days <= %(today)s THEN f.pause_from + f.pause_days END
FROM stats_seed_footage_id AS i JOIN stats_seed_footage AS f USING (fg)
WHERE f.pause_from IS NOT NULL
ORDER BY i.id
"""


def _reserve(cursor, prefix: str, count: int) -> int:
    """Take `count` numbers from the app's reference counter; the first one is base + 1."""
    cursor.execute(
        "INSERT INTO core_referencecounter (prefix, last_value) VALUES (%s, %s) ON CONFLICT (prefix) DO UPDATE"
        " SET last_value = core_referencecounter.last_value + EXCLUDED.last_value RETURNING last_value",
        [prefix, count],
    )
    return cursor.fetchone()[0] - count


def seed(connection_or_cursor, complaints: int, *, seed: int = 1, now: datetime | None = None) -> dict:
    """Insert `complaints` complaints (and their allegations, footage requests, events, pauses)
    into the database behind the connection or cursor; return counts and seconds. The same seed
    and `now` give the same rows (on an empty database, the same ids too)."""
    began = time.monotonic()
    owns_cursor = hasattr(connection_or_cursor, "cursor")
    cursor = connection_or_cursor.cursor() if owns_cursor else connection_or_cursor
    try:
        cursor.execute("SELECT code, id FROM intake_fieldoffice")
        offices = dict(cursor.fetchall())
        missing = {code for code, _weight in OFFICE_WEIGHTS if code} | set(TINY_OFFICES)
        if missing - set(offices):
            raise RuntimeError(f"field offices missing (run the migrations first): {sorted(missing - set(offices))}")
        cursor.execute("SELECT coalesce(%s::timestamptz, now()), (coalesce(%s::timestamptz, now()) AT TIME ZONE "
                       "'America/Chicago')::date", [now, now])  # fmt: skip
        at, today = cursor.fetchone()
        years = max(1.0, (at.timestamp() - datetime.fromisoformat("2024-01-01T06:00:00+00:00").timestamp()) / 31557600)
        tiny = [offices[code] for code, per_year in TINY_OFFICES.items() for _ in range(round(per_year * years))]
        tiny = tiny[: complaints // 20]
        base = _reserve(cursor, "C", complaints)
        params = {"size": complaints, "now": at, "today": today, "start": START, "seed": seed, "base": base,
                  "tiny_count": len(tiny)}  # fmt: skip
        r = Draws(seed, "g")
        cursor.execute(
            "DROP TABLE IF EXISTS stats_seed_complaint, stats_seed_id, stats_seed_footage, stats_seed_footage_id"
        )
        cursor.execute(_complaints_draw_sql(r, offices, tiny), params)
        cursor.execute("CREATE TEMP TABLE stats_seed_id (id bigint PRIMARY KEY, g bigint NOT NULL)")
        cursor.execute(_complaints_insert_sql(r), params)
        cursor.execute(_allegations_sql(r), params)
        cursor.execute(_footage_draw_sql(r, Draws(seed, "fg")), params)
        cursor.execute("SELECT count(*) FROM stats_seed_footage")
        requests = cursor.fetchone()[0]
        params["base"] = _reserve(cursor, "FR", max(requests, 1))
        cursor.execute("CREATE TEMP TABLE stats_seed_footage_id (id bigint PRIMARY KEY, fg bigint NOT NULL)")
        cursor.execute(_footage_insert_sql(), params)
        cursor.execute(FOOTAGE_EVENTS_SQL, params)
        cursor.execute(FOOTAGE_PAUSES_SQL, params)
        figures = {"complaints": complaints, "footage_requests": requests, "tiny_office_complaints": len(tiny)}
        for name, sql in (
            ("allegations", "SELECT count(*) FROM intake_allegation JOIN stats_seed_id AS s ON s.id = complaint_id"),
            (
                "footage_events",
                "SELECT count(*) FROM cases_footageevent JOIN stats_seed_footage_id AS s ON s.id = request_id",
            ),
            (
                "footage_pauses",
                "SELECT count(*) FROM cases_footagepause JOIN stats_seed_footage_id AS s ON s.id = request_id",
            ),
        ):
            cursor.execute(sql)
            figures[name] = cursor.fetchone()[0]
        cursor.execute("DROP TABLE stats_seed_complaint, stats_seed_id, stats_seed_footage, stats_seed_footage_id")
        for table in ("intake_complaint", "intake_allegation", "cases_footagerequest", "cases_footageevent"):
            cursor.execute(f"ANALYZE {table}")
    finally:
        if owns_cursor:
            cursor.close()
    figures["seconds"] = round(time.monotonic() - began, 2)
    return figures
