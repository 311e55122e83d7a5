"""The card's evaluation results: metrics with intervals, per-group tables, plain sentences for
gaps between groups, figures and the leakage checks, all rendered from the record.

Example:
    >>> print(metric_table(record))
    | Metric | penguins-test | penguins-2009 |
    |---|---|---|
    | Accuracy | 1 (1–1) | 0.9917 (0.9667–1) |
    ...
"""

from __future__ import annotations

from collections.abc import Mapping

from modelshare.card.markdown import table
from modelshare.layout import figure_title, file_part
from modelshare.record import (
    Bootstrap,
    EvaluationResult,
    FairnessSummary,
    GroupMetric,
    LeakageFinding,
    Metric,
    ReleaseRecord,
)

GROUP_METRIC_LABELS: dict[str, str] = {
    "selection_rate": "Selection rate",
    "accuracy": "Accuracy",
    "true_positive_rate": "True positive rate",
    "false_positive_rate": "False positive rate",
    "precision": "Precision",
    "macro_recall": "Macro recall",
    "macro_precision": "Macro precision",
    "mae": "MAE",
    "r_squared": "R²",
}
"""Column headings of the per-group tables, by metric id."""

MEASURE_LABELS: dict[str, str] = {
    "demographic_parity_difference": "demographic parity difference",
    "demographic_parity_ratio": "demographic parity ratio",
    "equalized_odds_difference": "equalized odds difference",
    "accuracy_difference": "accuracy difference",
    "mae_ratio": "MAE ratio (smallest / largest)",
}

LEAKAGE_CHECKS = (
    "no held-out evaluation dataset is the training data or shares more rows with it than "
    "duplicates within the training data explain"
)
PROXY_CHECK = "no single feature predicts the target on its own on held-out training rows"


def metric_cell(metric: Metric) -> str:
    """A metric value with its confidence interval in brackets, when it has one.

    Example:
        >>> metric_cell(Metric(type="accuracy", name="Accuracy", value=0.9917,
        ...                    ci_low=0.9667, ci_high=1.0))
        '0.9917 (0.9667–1)'
    """
    if metric.ci_low is None or metric.ci_high is None:
        return f"{metric.value:.4g}"
    return f"{metric.value:.4g} ({metric.ci_low:.4g}–{metric.ci_high:.4g})"


def metric_table(record: ReleaseRecord) -> str:
    """A metric × dataset table; each cell a value and its confidence interval.

    Example:
        >>> metric_table(record).splitlines()[2]
        '| Accuracy | 1 (1–1) | 0.9917 (0.9667–1) |'
    """
    names = [evaluation.dataset.name for evaluation in record.evaluation]
    cells: dict[str, dict[str, str]] = {}
    for evaluation in record.evaluation:
        for metric in evaluation.metrics:
            cells.setdefault(metric.name, {})[evaluation.dataset.name] = metric_cell(metric)
    rows = [
        [label, *(by_dataset.get(name, "—") for name in names)]
        for label, by_dataset in cells.items()
    ]
    return table(["Metric", *names], rows)


def interval_note(bootstrap: Bootstrap | None, evaluations: list[EvaluationResult]) -> str:
    """How the intervals in brackets were computed, and what a zero-width one means.

    Example:
        >>> interval_note(Bootstrap(), record.evaluation)
        "In brackets: the 95% confidence interval from 1000 bootstrap resamples of each ..."
    """
    if bootstrap is None:
        return "The metrics were recorded without confidence intervals."
    note = (
        f"In brackets: the {bootstrap.confidence:.0%} confidence interval from "
        f"{bootstrap.resamples} bootstrap resamples of each dataset's rows ({bootstrap.method} "
        f"method, seed {bootstrap.seed}). It shows how much a metric could change on another "
        "sample of the same size from the same source, not on other sources."
    )
    metrics = [metric for evaluation in evaluations for metric in evaluation.metrics]
    if any(m.ci_low is not None and m.ci_low == m.ci_high for m in metrics):
        note += (
            " An interval of zero width means every resample gave the same value: the data "
            "holds no error to resample, which does not mean the model makes none."
        )
    return note


def figures(evaluation: EvaluationResult, per_group: bool) -> list[str]:
    """The Markdown images of one evaluation: its per-group charts or its other figures.

    Example:
        >>> evaluation = record.evaluation[0]
        >>> figures(evaluation, per_group=False)
        ['![Confusion matrix: penguins-test](images/confusion_matrix_penguins-test.png)']
    """
    name = evaluation.dataset.name
    return [
        f"![{figure_title(image)}: {name}]({image})"
        for image in evaluation.images
        if (figure_title(image) == "Metrics per group") == per_group
    ]


def groups_section(evaluation: EvaluationResult, positive: str | None) -> list[str]:
    """Per sensitive feature: a table per group, sentences for gaps beyond the thresholds,
    the groups withheld and the chart. ``positive`` is a binary model's positive class.

    Example:
        >>> from modelshare.evaluate.fairness import group_report
        >>> report = group_report(scores.predictions, X_test[["sex"]], min_group_size=10)
        >>> evaluation = record.evaluation[0].model_copy(update=report.record_fields())
        >>> print("\\n\\n".join(groups_section(evaluation, positive=None)))
        #### Per group: `sex`
        <BLANKLINE>
        | Group | Rows | Accuracy | Macro recall | Macro precision |
        |---|---|---|---|---|
        | `female` | 18 | 1 | 1 | 1 |
        | `male` | 23 | 1 | 1 | 1 |
        <BLANKLINE>
        No gap between the groups of `sex` is beyond its threshold: accuracy difference 0
        (threshold 0.1).
        <BLANKLINE>
        1 group of `sex` with fewer than 10 rows is not shown nor compared, to protect the
        people in them.
    """
    parts: list[str] = []
    charts = figures(evaluation, per_group=True)
    for feature in evaluation.sensitive_features:
        rows = [row for row in evaluation.group_metrics if row.feature == feature]
        summaries = [s for s in evaluation.fairness if s.feature == feature]
        parts += [f"#### Per group: `{feature}`", *_group_table(rows)]
        parts += [sentence for s in summaries if (sentence := gap_sentence(s, rows, positive))]
        parts += _no_gap(feature, summaries)
        withheld = evaluation.suppressed_groups.get(feature)
        if withheld:
            parts.append(_withheld(feature, withheld, evaluation.min_group_size))
        parts += [chart for chart in charts if f"_{file_part(feature)}.png)" in chart]
    return parts


def _group_table(rows: list[GroupMetric]) -> list[str]:
    """One row per group (its label kept), one column per metric; nothing without rows."""
    if not rows:
        return []
    metrics = list(dict.fromkeys(row.metric for row in rows))
    groups: dict[str, dict[str, GroupMetric]] = {}
    for row in rows:
        groups.setdefault(row.group, {})[row.metric] = row
    body = [
        [
            f"`{group}`",
            next(iter(by_metric.values())).n,
            *(_value(by_metric.get(metric)) for metric in metrics),
        ]
        for group, by_metric in groups.items()
    ]
    headers = ["Group", "Rows", *(GROUP_METRIC_LABELS.get(m, m) for m in metrics)]
    return [table(headers, body)]


def _value(row: GroupMetric | None) -> str:
    """A per-group value, or a dash when undefined."""
    return "—" if row is None or row.value is None else f"{row.value:.3g}"


def _spread(rows: list[GroupMetric], metric: str) -> str:
    """ "from 0.46 (`male`) to 0.66 (`female`)": the smallest and largest group values."""
    known = [row for row in rows if row.metric == metric and row.value is not None]
    low = min(known, key=lambda row: row.value or 0.0)
    high = max(known, key=lambda row: row.value or 0.0)
    return f"from {low.value:.3g} (`{low.group}`) to {high.value:.3g} (`{high.group}`)"


def gap_sentence(summary: FairnessSummary, rows: list[GroupMetric], positive: str | None) -> str:
    """A plain sentence for a between-group measure beyond its threshold; "" otherwise.

    Example:
        >>> from modelshare.record import FairnessSummary, GroupMetric
        >>> rate = {"feature": "sex", "metric": "selection_rate"}
        >>> rows = [
        ...     GroupMetric(group="male", n=40, value=0.46, **rate),
        ...     GroupMetric(group="female", n=38, value=0.66, **rate),
        ... ]
        >>> summary = FairnessSummary(feature="sex", measure="demographic_parity_difference",
        ...                           value=0.2, threshold=0.1, beyond=True)
        >>> print(gap_sentence(summary, rows, positive="True"))
        **Selection rates differ between groups of `sex`:** the share predicted `True` goes from
        0.46 (`male`) to 0.66 (`female`), a demographic parity difference of 0.2, beyond the
        threshold of 0.1.
    """
    if not summary.beyond:
        return ""
    feature, value, threshold = f"`{summary.feature}`", summary.value, summary.threshold
    label = MEASURE_LABELS[summary.measure]
    if summary.measure == "demographic_parity_difference":
        return (
            f"**Selection rates differ between groups of {feature}:** the share predicted "
            f"`{positive}` goes {_spread(rows, 'selection_rate')}, a {label} of {value:.3g}, "
            f"beyond the threshold of {threshold:g}."
        )
    if summary.measure == "demographic_parity_ratio":
        return (
            f"**The lowest selection rate among groups of {feature} is {value:.3g} of the "
            f"highest** ({label}), below the four-fifths threshold of {threshold:g}."
        )
    if summary.measure == "equalized_odds_difference":
        return (
            f"**Error rates differ between groups of {feature}:** the true positive rate goes "
            f"{_spread(rows, 'true_positive_rate')} and the false positive rate "
            f"{_spread(rows, 'false_positive_rate')}, an {label} of {value:.3g}, beyond the "
            f"threshold of {threshold:g}."
        )
    if summary.measure == "accuracy_difference":
        return (
            f"**Accuracy differs between groups of {feature}:** it goes "
            f"{_spread(rows, 'accuracy')}, a difference of {value:.3g}, beyond the threshold "
            f"of {threshold:g}."
        )
    return (
        f"**MAE differs between groups of {feature}:** it goes {_spread(rows, 'mae')}; the "
        f"smallest is {value:.3g} of the largest, below the threshold of {threshold:g}."
    )


def _no_gap(feature: str, summaries: list[FairnessSummary]) -> list[str]:
    """The sentence saying no measure is beyond its threshold, with their values."""
    if not summaries or any(summary.beyond for summary in summaries):
        return []
    measured = "; ".join(
        f"{MEASURE_LABELS[s.measure]} {s.value:.3g} (threshold {s.threshold:g})" for s in summaries
    )
    return [f"No gap between the groups of `{feature}` is beyond its threshold: {measured}."]


def _withheld(feature: str, count: int, min_group_size: int | None) -> str:
    """The sentence saying how many groups were withheld, and why."""
    groups = "group" if count == 1 else "groups"
    verb = "is" if count == 1 else "are"
    return (
        f"{count} {groups} of `{feature}` with fewer than {min_group_size} rows {verb} not "
        "shown nor compared, to protect the people in them."
    )


def leakage_section(
    findings: list[LeakageFinding] | None,
    declared_train: list[str] | None = None,
    not_run: Mapping[str, str] | None = None,
) -> list[str]:
    """The leakage checks run at save time: what they found, or that they found nothing.
    ``declared_train`` names the evaluation datasets declared ``split="train"``, which the
    row checks leave out; ``not_run`` the checks that could not run, with the reason
    (``proxy``: the single-feature check).

    Example:
        >>> leakage_section([])
        ['### Leakage checks', 'No sign of leakage: no held-out evaluation dataset is the ...']
    """
    if findings is None:
        return []
    notes = []
    if declared_train:
        names = ", ".join(f"*{name}*" for name in declared_train)
        notes.append(
            f"Not checked for shared rows: {names}, declared as training data "
            '(`split="train"`): scores on training rows say nothing about new data.'
        )
    proxy_not_run = (not_run or {}).get("proxy")
    if proxy_not_run is not None:
        notes.append(f"The single-feature check was not run: {proxy_not_run}.")
    if not findings:
        found = LEAKAGE_CHECKS if proxy_not_run else f"{LEAKAGE_CHECKS}, and {PROXY_CHECK}"
        return ["### Leakage checks", f"No sign of leakage: {found}.", *notes]
    return [
        "### Leakage checks",
        "**The evaluation may overstate how the model does on new data:**",
        "\n".join(f"- {finding.evidence}" for finding in findings),
        *notes,
    ]
