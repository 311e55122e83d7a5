"""The model card's view of a profile: a markdown section and small per-feature plots.

:func:`render_distribution_section` writes one small PNG per feature (the first
:data:`PLOTTED_FEATURES`) into a folder and returns the markdown that shows them: a table of
numeric features (clipped extremes, median, mean), the non-finite values left out of them, a
table of categorical features (most frequent categories), the class balance, and what was
withheld for privacy.

Example:
    >>> from modelshare.profiling import build_profile
    >>> small = build_profile(X_train[["bill_length_mm"]])
    >>> markdown = render_distribution_section(small, Path("images"))
    >>> Path("images/distribution-01-bill_length_mm.png").exists()
    True
"""

from __future__ import annotations

import io
import re
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING

from modelshare.card.markdown import table
from modelshare.data import FINITE_LIMIT
from modelshare.fsutil import write_file_durably
from modelshare.layout import IMAGES_FOLDER, PROFILE_FILE
from modelshare.profiling.model import CategoricalColumn, DataProfile, NumericColumn

if TYPE_CHECKING:
    from matplotlib.figure import Figure

PLOT_SIZE = (3.0, 1.4)
"""Inches; at :data:`DPI` a plot is 300 x 140 pixels, small enough for a table cell."""

DPI = 100
TOP_CATEGORIES = 10
"""Categories named per feature in the table and drawn in its plot."""

PLOTTED_FEATURES = 100
"""Features drawn, in table order; the tables list every one. Each plot takes a fifth of a
second and a few KB: a card of thousands of features would take minutes to draw."""


def render_distribution_section(
    profile: DataProfile,
    images: Path,
    *,
    image_prefix: str = f"{IMAGES_FOLDER}/",
    heading: str = "## Training data distribution",
) -> str:
    """Markdown describing the profile, with one PNG per feature written into ``images``.

    ``image_prefix`` is how the card refers to ``images`` (relative to the card).

    Example:
        >>> from modelshare.profiling import build_profile
        >>> small = build_profile(X_train[["island"]])
        >>> print(render_distribution_section(small, Path("images")))
        ## Training data distribution
        <BLANKLINE>
        Measured on 179 rows and stored in `data_profile.json`, so that users can check their
        own data against it (`modelshare drift`).
        <BLANKLINE>
        | feature | values | missing | distinct | most frequent | other | chart |
        |---|---|---|---|---|---|---|
        | island | 179 | 0 | 3 | Biscoe 48%, Dream 35%, Torgersen 17% | 0 |
        ![island](images/distribution-01-island.png) |
        <BLANKLINE>
        Withheld for privacy:
        <BLANKLINE>
        - The profile stores no rows: every number it publishes describes at least 10 rows.
        ...
    """
    images.mkdir(parents=True, exist_ok=True)
    plots = {}
    for position, column in enumerate(profile.columns[:PLOTTED_FEATURES], start=1):
        name = f"distribution-{position:02d}-{_slug(column.name)}.png"
        if _write_plot(column, images / name):
            plots[column.name] = f"![{column.name}]({image_prefix}{name})"
    parts = [
        heading,
        f"Measured on {profile.rows} rows and stored in `{PROFILE_FILE}`, so that users "
        "can check their own data against it (`modelshare drift`).",
        _numeric_table(profile, plots),
        _non_finite(profile),
        _categorical_table(profile, plots),
        _class_balance(profile),
        "Withheld for privacy:\n\n" + "\n".join(f"- {note}" for note in profile.privacy.withheld),
    ]
    return "\n\n".join(part for part in parts if part) + "\n"


def _numeric_table(profile: DataProfile, plots: dict[str, str]) -> str:
    headers = [
        "feature",
        "values",
        "missing",
        "mean",
        "std",
        "low (clipped)",
        "median (interpolated)",
        "high (clipped)",
        "histogram",
    ]
    rows = []
    for column in profile.columns:
        if isinstance(column, NumericColumn):
            grid = column.quantiles
            low, median, high = (
                (grid.values[0], grid.median(), grid.values[-1]) if grid else (None, None, None)
            )
            numbers = [_number(value) for value in (column.mean, column.std, low, median, high)]
            rows.append(
                [column.name, column.count, column.missing, *numbers, plots.get(column.name, "")]
            )
    if not rows:
        return ""
    return (
        f"{table(headers, rows)}\n\nThe median is interpolated between the two published "
        "quantiles either side of it, which lie at least "
        f"{profile.privacy.k_anonymity} rows apart: it approximates the exact median, which "
        "the profile does not store."
    )


def _non_finite(profile: DataProfile) -> str:
    """The numeric columns that held non-finite values, left out of their numbers; "" if none."""
    counted = [
        f"{column.name} ({column.non_finite})"
        for column in profile.columns
        if isinstance(column, NumericColumn) and column.non_finite
    ]
    if not counted:
        return ""
    return (
        f"Non-finite values (±inf, or beyond ±{FINITE_LIMIT:.2g}) are left out of the numbers "
        f"above and of the joint moments: {', '.join(counted)}."
    )


def _categorical_table(profile: DataProfile, plots: dict[str, str]) -> str:
    headers = ["feature", "values", "missing", "distinct", "most frequent", "other", "chart"]
    rows = []
    for column in profile.columns:
        if isinstance(column, CategoricalColumn):
            top = list(column.shares().items())[:TOP_CATEGORIES]
            frequent = ", ".join(f"{label} {share:.0%}" for label, share in top)
            counts = [column.count, column.missing, column.distinct, frequent, column.other]
            rows.append([column.name, *counts, plots.get(column.name, "")])
    return table(headers, rows) if rows else ""


def _class_balance(profile: DataProfile) -> str:
    target = profile.target
    if not isinstance(target, CategoricalColumn):
        return ""
    rows = [
        [label, target.frequencies[label], f"{share:.1%}"]
        for label, share in target.shares().items()
    ]
    if target.other:
        rows.append(["other", target.other, f"{target.other / max(target.count, 1):.1%}"])
    return f"Class balance of `{target.name}`:\n\n" + table(["class", "count", "share"], rows)


def _write_plot(column: NumericColumn | CategoricalColumn, path: Path) -> bool:
    """Draw a column's histogram or bar chart into ``path``; False when there is nothing."""
    figure = _figure()
    axes = figure.add_subplot()
    if isinstance(column, NumericColumn):
        if column.histogram is None:
            return False
        edges, counts = column.histogram.edges, column.histogram.counts
        widths = [right - left for left, right in pairwise(edges)]
        axes.bar(edges[:-1], counts, width=widths, align="edge", color="#4c72b0")
    else:
        top = list(column.frequencies.items())[:TOP_CATEGORIES]
        if not top:
            return False
        axes.barh([label[:15] for label, _ in top][::-1], [n for _, n in top][::-1])
    axes.tick_params(labelsize=7)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    write_file_durably(path, buffer.getvalue())
    return True


def _figure() -> Figure:
    """A small figure on an Agg canvas (no pyplot, no global state)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=PLOT_SIZE, dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-")[:40] or "column"


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.4g}"
