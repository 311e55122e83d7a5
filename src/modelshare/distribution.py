"""What a release says of its data's distribution: the profiles and the out-of-distribution
thresholds it carries, and the card's *Distribution* subsection that describes them.

Written at save time: ``data_profile.json`` (the training data), ``profiles/<dataset>.json``
(each evaluation dataset) and ``ood_thresholds.json`` (calibrated on a held-out evaluation
dataset: the first whose split is ``validation``, else the first that is not ``train``, unless
one is chosen with :meth:`Release.ood_calibration`).

Example:
    >>> staging = Path("staging")
    >>> staging.mkdir()
    >>> training = build_profile(X_train, y_train)
    >>> held_out = [
    ...     ProfiledData("penguins-test", X_test, y_test, split="test", predictor=model),
    ...     ProfiledData("penguins-2009", X_new, example.y_later, split="test", predictor=model),
    ... ]
    >>> section = write_distribution(staging, training, held_out, OODChoice())
    >>> sorted(p.name for p in (staging / PROFILES_FOLDER).iterdir())
    ['penguins-2009.json', 'penguins-test.json']
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from modelshare.errors import InvalidInputError
from modelshare.layout import (
    IMAGES_FOLDER,
    OOD_FILE,
    PROFILE_FILE,
    PROFILES_FOLDER,
    evaluation_profile_path,
)
from modelshare.profiling import build_profile, render_distribution_section
from modelshare.profiling.model import DataProfile
from modelshare.shift.ood import TPR
from modelshare.shift.thresholds import OODThresholds, calibrate, rows_needed


@dataclass(frozen=True)
class OODChoice:
    """Which evaluation dataset calibrates the thresholds (None: chosen by split) and the
    share of its rows they accept."""

    dataset: str | None = None
    tpr: float = TPR


@dataclass(frozen=True)
class ProfiledData:
    """One dataset of a release as the model reads it; ``predictor`` gives its outputs."""

    name: str
    frame: pd.DataFrame
    y: pd.Series
    split: str = "train"
    predictor: Any = None


def write_distribution(
    staging: Path, profile: DataProfile, evaluations: list[ProfiledData], choice: OODChoice
) -> str:
    """Write the training data's ``profile``, the evaluation profiles and the thresholds into
    ``staging``; return the card's subsection.

    Example:
        >>> staging = Path("staging")
        >>> staging.mkdir()
        >>> training = build_profile(X_train, y_train)
        >>> write_distribution(staging, training, [], OODChoice()).splitlines()[0]
        '### Distribution'
    """
    (staging / PROFILE_FILE).write_text(profile.to_json(), encoding="utf-8")
    files = _write_evaluation_profiles(staging, evaluations)
    calibration_set = _calibration_set(evaluations, choice)
    thresholds = None
    if calibration_set is not None:
        thresholds = calibrate(
            profile,
            calibration_set.predictor,
            calibration_set.frame,
            dataset=calibration_set.name,
            tpr=choice.tpr,
        )
        thresholds.save(staging)
    section = render_distribution_section(
        profile, staging / IMAGES_FOLDER, heading="### Distribution"
    )
    return (
        "\n\n".join(
            [section.rstrip(), _profiles_paragraph(files), ood_paragraph(thresholds, choice)]
        )
        + "\n"
    )


def _write_evaluation_profiles(staging: Path, evaluations: list[ProfiledData]) -> dict[str, str]:
    """Profile each evaluation dataset into ``profiles/``; its file, by dataset name."""
    files: dict[str, str] = {}
    for evaluation in evaluations:
        path = evaluation_profile_path(evaluation.name)
        (staging / PROFILES_FOLDER).mkdir(exist_ok=True)
        profile = build_profile(evaluation.frame, evaluation.y)
        (staging / path).write_text(profile.to_json(), encoding="utf-8")
        files[evaluation.name] = path
    return files


def _calibration_set(evaluations: list[ProfiledData], choice: OODChoice) -> ProfiledData | None:
    """The held-out dataset the thresholds are calibrated on, or None when none qualifies."""
    if choice.dataset is not None:
        for evaluation in evaluations:
            if evaluation.name == choice.dataset:
                return evaluation
        names = ", ".join(e.name for e in evaluations) or "none"
        raise InvalidInputError(
            f"ood_calibration(dataset={choice.dataset!r}): no evaluation has that name; "
            f"evaluated: {names}"
        )
    held_out = [
        e for e in evaluations if e.split != "train" and len(e.frame) >= rows_needed(choice.tpr)
    ]
    held_out.sort(key=lambda e: e.split != "validation")
    return held_out[0] if held_out else None


def _profiles_paragraph(files: dict[str, str]) -> str:
    """Where the evaluation datasets' profiles are, for drift checks against them."""
    if not files:
        return ""
    listed = ", ".join(f"*{name}* in `{path}`" for name, path in files.items())
    return (
        f"Each evaluation dataset is profiled the same way: {listed}. "
        "Compare new data with one of them with `modelshare drift RELEASE NEW "
        "--reference-dataset NAME`."
    )


def ood_paragraph(thresholds: OODThresholds | None, choice: OODChoice) -> str:
    """How the out-of-distribution checks of ``modelshare.ood`` decide, in words.

    Example:
        >>> ood_paragraph(None, OODChoice())[:40]
        '**Out-of-distribution checks.** `modelsh'
    """
    opening = (
        "**Out-of-distribution checks.** `modelshare.ood(release).score(X)` (or `modelshare "
        "ood RELEASE DATA`) flags inputs unlike the training data: values beyond the clipped "
        "extremes, categories the training data never held, values missing where it had none, "
        "a large Mahalanobis distance"
    )
    if thresholds is None:
        return (
            f"{opening}. The thresholds are not calibrated: no held-out evaluation dataset "
            f"has {rows_needed(choice.tpr)} rows or more, so the distance threshold assumes "
            "Gaussian features (the chi-squared 99.9 % quantile)."
        )
    limits = []
    if thresholds.mahalanobis is not None:
        limits.append(f"Mahalanobis distance at most {thresholds.mahalanobis:.3g}")
    if thresholds.max_softmax is not None:
        limits.append(f"highest class probability at least {thresholds.max_softmax:.3g}")
    if thresholds.energy is not None:
        limits.append(f"energy score at most {thresholds.energy:.3g}")
    classifier = (
        ", and for this classifier a low highest class probability or a high energy score"
        if thresholds.max_softmax is not None
        else ""
    )
    accepted = "; ".join(limits) or "no threshold applies to this model"
    where = f"*{thresholds.dataset}* ({thresholds.rows} held-out rows)"
    if thresholds.reached:
        calibration = (
            f"The thresholds are set together so that all checks accept at least "
            f"{thresholds.tpr:.0%} of the rows of {where}, each at the "
            f"{thresholds.score_quantile:.1%} quantile of its score: {accepted} (`{OOD_FILE}`). "
            f"They flag {thresholds.flagged_share:.1%} of those rows."
        )
    else:
        fixed = (
            f"; the range, category and missing-value checks alone, which no threshold moves, "
            f"flag {thresholds.fixed_share:.1%}"
            if thresholds.fixed_share is not None
            else ""
        )
        calibration = (
            f"The thresholds could not be set to accept {thresholds.tpr:.0%} of the rows of "
            f"{where}: even at the {thresholds.score_quantile:.1%} quantile of each score "
            f"({accepted}, `{OOD_FILE}`), the checks flag {thresholds.flagged_share:.1%} of "
            f"those rows{fixed}. Expect many flags on data like it."
        )
    return f"{opening}{classifier}. {calibration}"
