"""The drift report as one self-contained HTML file: inline CSS and SVG, no script, no link.

It opens offline in any browser: a summary table, then one section per column (label shift
first, drifted columns next) with the reference's and the new data's distribution as bars.

Example:
    >>> from modelshare.shift import drift
    >>> report = drift(Path("releases/penguin-species"), Path("new.csv"))
    >>> write_report(report, Path("drift.html"))
    PosixPath('drift.html')
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

from modelshare.fsutil import write_file_durably

if TYPE_CHECKING:
    from modelshare.shift.report import ColumnDrift, DriftReport
    from modelshare.shift.views import View

CHART_WIDTH = 640
CHART_HEIGHT = 160
LABEL_SPACE = 24
MAX_TICK_LABELS = 13
REFERENCE_COLOUR = "#4c72b0"
NEW_COLOUR = "#dd8452"

TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Drift report: {{ report.verdict }}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; color: #222; }
table { border-collapse: collapse; margin: 1rem 0; font-size: 0.9rem; }
th, td { border-bottom: 1px solid #ddd; padding: 0.3rem 0.6rem; text-align: left; }
.drift, .missing, .type_changed { color: #b00020; font-weight: bold; }
.stable { color: #2e7d32; }
.extra { color: #777; }
section { border-top: 1px solid #ccc; margin-top: 1.5rem; }
.legend span { display: inline-block; width: 0.8rem; height: 0.8rem; margin: 0 0.3rem; }
svg text { font-size: 10px; fill: #444; }
</style></head><body>
<h1>Drift report</h1>
<p class="{{ 'drift' if report.drifted else 'stable' }}">{{ report.verdict }}</p>
<p>Reference: {{ report.reference_rows }} rows (training-data profile).
New data: {{ report.new_rows }} rows.
A column drifts when a test is significant at a false discovery rate of
{{ report.settings.alpha }} (Benjamini-Hochberg) <em>and</em> its effect reaches the threshold:
Wasserstein distance {{ report.settings.wasserstein }} reference spreads (numeric),
Jensen-Shannon distance {{ report.settings.jensen_shannon }} (categorical),
Cohen's h {{ report.settings.missing_rate }} (missing rate).</p>
<p class="legend"><span style="background:{{ reference_colour }}"></span>reference
<span style="background:{{ new_colour }}"></span>new data</p>
<table><tr><th>column</th><th>status</th><th>kind</th><th>missing (reference → new)</th>
<th>result</th></tr>
{% for column in columns %}<tr><td><a href="#{{ anchors[column.name] }}">{{ column.name }}</a>
{% if column.role == 'target' %}(target){% endif %}</td>
<td class="{{ column.status }}">{{ column.status.replace('_', ' ') }}</td>
<td>{{ column.kind or '' }}</td><td>{{ missing(column) }}</td><td>{{ column.message }}</td></tr>
{% endfor %}</table>
{% for column in columns %}<section id="{{ anchors[column.name] }}">
<h2>{{ column.name }}{% if column.role == 'target' %} (label shift){% endif %}
<small class="{{ column.status }}">{{ column.status.replace('_', ' ') }}</small></h2>
<p>{{ column.message }}</p>
{% if charts[column.name] %}{{ charts[column.name] }}{% endif %}
{% if column.details.get('unlisted') %}<p>Most common new labels not listed in the reference
(the reference lists only categories seen at least k times):
{% for label, count in column.details['unlisted'].items() %}
{{ label }} ({{ count }}){{ ', ' if not loop.last }}{% endfor %}</p>{% endif %}
</section>{% endfor %}
</body></html>
"""


def write_report(report: DriftReport, path: Path) -> Path:
    """Render ``report`` and write it to ``path`` atomically.

    Example:
        >>> from modelshare.shift import drift
        >>> report = drift(profile, X_new)
        >>> write_report(report, Path("drift.html")).stat().st_size > 0
        True
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    write_file_durably(path, render_report(report).encode("utf-8"))
    return path


def render_report(report: DriftReport) -> str:
    """The report's HTML text.

    Example:
        >>> from modelshare.shift import drift
        >>> report = drift(profile, X_new)
        >>> "<svg" in render_report(report)
        True
    """
    from jinja2 import Environment
    from markupsafe import Markup

    columns = ([report.label_shift] if report.label_shift else []) + report.columns
    template = Environment(autoescape=True).from_string(TEMPLATE)
    return template.render(
        report=report,
        columns=columns,
        anchors={column.name: f"column-{i}" for i, column in enumerate(columns)},
        charts={c.name: Markup(bar_chart(c.view)) if c.view else "" for c in columns},
        missing=_missing_shares,
        reference_colour=REFERENCE_COLOUR,
        new_colour=NEW_COLOUR,
    )


def bar_chart(view: View) -> str:
    """Grouped bars (reference, new) per label as an inline SVG element; every label's
    shares show on hover, and at most :data:`MAX_TICK_LABELS` labels are written below.

    Example:
        >>> from modelshare.shift.views import View
        >>> bar_chart(View(["a", "b"], [0.5, 0.5], [0.9, 0.1])).startswith("<svg")
        True
    """
    from markupsafe import escape

    slot = CHART_WIDTH / max(len(view.labels), 1)
    bar = slot * 0.4
    top = max(*view.reference, *view.new, 1e-9)
    every = math.ceil(len(view.labels) / MAX_TICK_LABELS)
    parts = [
        f'<svg width="{CHART_WIDTH + LABEL_SPACE * 3}" height="{CHART_HEIGHT + LABEL_SPACE * 4}" '
        'role="img">'
    ]
    for i, label in enumerate(view.labels):
        x = i * slot + slot * 0.1
        pairs = ((0, view.reference[i], REFERENCE_COLOUR), (bar, view.new[i], NEW_COLOUR))
        for offset, share, colour in pairs:
            h = CHART_HEIGHT * share / top
            parts.append(
                f'<rect x="{x + offset:.1f}" y="{CHART_HEIGHT - h:.1f}" width="{bar:.1f}" '
                f'height="{h:.1f}" fill="{colour}">'
                f"<title>{escape(label)}: {share:.1%}</title></rect>"
            )
        if i % every == 0:
            parts.append(
                f'<text transform="translate({x + bar:.1f},{CHART_HEIGHT + 8}) rotate(40)">'
                f"{escape(_short(label))}</text>"
            )
    parts.append("</svg>")
    return "".join(parts)


def _short(label: str, limit: int = 18) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _missing_shares(column: ColumnDrift) -> str:
    """'0.0% → 12.5%' or an empty string when unknown."""
    if column.reference_missing_share is None or column.new_missing_share is None:
        return ""
    return f"{column.reference_missing_share:.1%} → {column.new_missing_share:.1%}"
