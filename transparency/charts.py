"""Charts of the statistics pages, drawn on the server as inline SVG: no script, no library.

Each chart is an image to assistive technology (role="img", named by its <title> and <desc>,
which say in words what it shows and its largest values); the data table next to it holds the
same numbers. A hidden count is drawn as a dashed box instead of a bar. Widths are percentages
of the page, so the chart fits any screen while its text keeps the page's font size; colours
and sizes of text come from static/css/stats.css (CSP allows no inline style)."""

import re
import unicodedata

from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

LARGEST = 3
LINE = 16  # px per line of a label (the text is 13px: .8rem in stats.css)
LABEL_WIDTH = 38  # characters per line of a label: a 320px-wide phone shows them whole
BAR_GAP = 24  # px from a bar's top to the next label's top
BAR_SPAN = 80  # the longest bar's length, in percent of the width: its number fits after it
COLUMN_TOP = 24
COLUMN_HEIGHT = 150
COLUMN_LABELS = 12  # at most this many month labels under the columns


def number(value: int) -> str:
    return number_format(value)


def describe(table) -> str:
    """The chart in words: what it counts, its largest numbers and how many are hidden."""
    parts = [table.description]
    shown = [row for row in table.rows if not row.hidden and row.count]
    largest = sorted(shown, key=lambda row: -row.count)[:LARGEST]
    if largest:
        parts.append(_("Largest numbers:"))
        parts += [
            pgettext("chart", "%(label)s: %(count)s.") % {"label": row.label, "count": number(row.count)}
            for row in largest
        ]
    else:
        parts.append(_("No number shown in this chart is above zero."))
    hidden = table.hidden_count
    if hidden:
        parts.append(
            ngettext(
                "%(count)s number is hidden to protect privacy.",
                "%(count)s numbers are hidden to protect privacy.",
                hidden,
            )
            % {"count": number(hidden)}
        )
    return " ".join(str(part) for part in parts)


def _svg(table, height: int, body: SafeString, kind: str) -> SafeString:
    chart_id = f"chart-{table.dom_id}"
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{kind}" role="img" width="100%" height="{height}"'
        ' aria-labelledby="{id}-title {id}-desc"><title id="{id}-title">{title}</title>'
        '<desc id="{id}-desc">{desc}</desc>{body}</svg>',
        kind=kind,
        height=height,
        id=chart_id,
        title=table.title,
        desc=describe(table),
        body=body,
    )


def _length(count: int, largest: int, span: float) -> str:
    return f"{span * count / largest:.2f}" if largest else "0"


def label_lines(label: str, width: int = LABEL_WIDTH) -> list[str]:
    """A label cut into lines of at most `width` narrow characters (a wide one, Chinese, counts
    two), between words, or between wide characters: SVG text does not wrap by itself."""
    tokens = re.findall(r"[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\uff00-\uff60]|\s+|[^\s]+", label)
    lines, line, used = [], "", 0
    for token in tokens:
        size = sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in token)
        if token.isspace():
            if line:
                line, used = line + " ", used + 1
            continue
        if line.strip() and used + size > width:
            lines.append(line.strip())
            line, used = "", 0
        line, used = line + token, used + size
    if line.strip():
        lines.append(line.strip())
    return lines or [""]


def bar_chart(table) -> SafeString:
    """One horizontal bar per row, under its label, with its number after it."""
    largest = max((row.count for row in table.rows if not row.hidden), default=0)
    hidden_text = _("hidden to protect privacy")
    marks = []
    top = 0
    for row in table.rows:
        lines = label_lines(row.label)
        label = format_html(
            '<text class="chart-label" x="0" y="{}">{}</text>',
            top + LINE - 2,
            format_html_join(
                "", '<tspan x="0" dy="{}">{}</tspan>', ((LINE if i else 0, line) for i, line in enumerate(lines))
            ),
        )
        bar = top + LINE * len(lines) + 4
        if row.hidden:
            mark = format_html(
                '<rect class="chart-hidden" x="1" y="{}" width="14" height="13"/>'
                '<text class="chart-value chart-hidden-text" x="22" y="{}">{}</text>',
                bar,
                bar + 11,
                hidden_text,
            )
        else:
            length = _length(row.count, largest, BAR_SPAN)
            mark = format_html(
                '<rect class="chart-bar" x="0" y="{}" width="{}%" height="13"/>'
                '<text class="chart-value" x="{}%" dx="6" y="{}">{}</text>',
                bar,
                length,
                length,
                bar + 11,
                number(row.count),
            )
        marks.append(format_html("<g>{}{}</g>", label, mark))
        top = bar + BAR_GAP
    body = format_html_join("", "{}", ((mark,) for mark in marks))
    return _svg(table, max(top, BAR_GAP), body, "bars")


def column_chart(table) -> SafeString:
    """One column per month, oldest on the left, on a common baseline; numbers above the columns
    when there is room, month labels under them (every few months when there are many)."""
    rows = table.rows
    slots = max(len(rows), 1)
    slot = 100 / slots
    largest = max((row.count for row in rows if not row.hidden), default=0)
    baseline = COLUMN_TOP + COLUMN_HEIGHT
    step = -(-slots // COLUMN_LABELS)  # ceiling division
    with_numbers = slots <= COLUMN_LABELS
    marks = []
    for index, row in enumerate(rows):
        left = index * slot + slot * 0.15
        centre = f"{index * slot + slot / 2:.2f}"
        if row.hidden:
            mark = format_html(
                '<rect class="chart-hidden" x="{}%" y="{}" width="{}%" height="13"/>',
                f"{left:.2f}",
                baseline - 14,
                f"{slot * 0.7:.2f}",
            )
        else:
            height = round(COLUMN_HEIGHT * row.count / largest) if largest else 0
            mark = format_html(
                '<rect class="chart-bar" x="{}%" y="{}" width="{}%" height="{}"/>',
                f"{left:.2f}",
                baseline - height,
                f"{slot * 0.7:.2f}",
                height,
            )
            if with_numbers:
                mark += format_html(
                    '<text class="chart-value" x="{}%" y="{}" text-anchor="middle">{}</text>',
                    centre,
                    baseline - height - 5,
                    number(row.count),
                )
        if index % step == 0:
            mark += format_html(
                '<text class="chart-label" x="{}%" y="{}" text-anchor="middle">{}</text>',
                centre,
                baseline + 18,
                row.code,
            )
        marks.append(format_html("<g>{}</g>", mark))
    axis = format_html('<line class="chart-axis" x1="0" x2="100%" y1="{}" y2="{}"/>', baseline, baseline)
    body = format_html("{}{}", axis, format_html_join("", "{}", ((mark,) for mark in marks)))
    return _svg(table, baseline + 26, body, "columns")
