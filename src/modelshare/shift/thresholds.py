"""Out-of-distribution thresholds calibrated when a release is saved: ``ood_thresholds.json``.

On held-out rows from the training distribution (an evaluation dataset), every per-row score
gets a threshold: the Mahalanobis distance from the training profile and, for classifiers, the
maximum softmax probability and (when the model gives logits) the energy score. They are set
together so that all checks combined, out-of-range values and unseen categories included,
accept a chosen share of those rows: the true-positive rate (``tpr``, 95 % by default). The
share they flag is measured and stored beside them.

Example:
    >>> thresholds = calibrate(profile, model, X_test, dataset="penguins-test")
    >>> round(thresholds.max_softmax, 2), thresholds.flagged_share
    (0.54, 0.0)
    >>> Path("staging").mkdir()
    >>> thresholds.save(Path("staging"))
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from modelshare.data import non_finite_cells
from modelshare.errors import InvalidInputError, ModelshareError, first_validation_error
from modelshare.layout import OOD_FILE
from modelshare.models.predictors import ScorePredictor, proba_logits
from modelshare.profiling.model import DataProfile
from modelshare.shift.ood import TPR, OODScorer, energy_scores

CALIBRATION_LEVELS = 201
"""Candidate quantile levels, evenly spaced from the true-positive rate to 1."""


class OODThresholds(BaseModel):
    """Thresholds of the per-row out-of-distribution scores, and how they were calibrated."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    dataset: str = Field(description="the held-out evaluation dataset they were calibrated on")
    rows: int = Field(ge=0, description="rows of that dataset")
    tpr: float = Field(gt=0, lt=1, description="share of its rows all checks together accept")
    score_quantile: float = Field(
        ge=0, le=1, description="quantile of each score its threshold lies at"
    )
    mahalanobis: float | None = Field(ge=0, description="largest accepted Mahalanobis distance")
    max_softmax: float | None = Field(description="smallest accepted maximum class probability")
    energy: float | None = Field(description="largest accepted energy score (logits only)")
    flagged_share: float = Field(ge=0, le=1, description="share of its rows flagged by any check")
    fixed_share: float | None = Field(
        None,
        ge=0,
        le=1,
        description="share of its rows flagged by the range, category and missing-value "
        "checks, which no threshold moves",
    )

    @property
    def reached(self) -> bool:
        """Whether all checks together accept at least ``tpr`` of the calibration rows."""
        return self.flagged_share <= 1 - self.tpr + 1e-9

    def save(self, folder: Path) -> None:
        """Write ``ood_thresholds.json`` into ``folder``."""
        (folder / OOD_FILE).write_text(self.model_dump_json(indent=2), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> OODThresholds | None:
        """The thresholds of a release folder; None when it has none.

        Example:
            >>> OODThresholds.load(Path("releases/penguin-species")).tpr
            0.95
        """
        path = folder / OOD_FILE
        if not path.is_file():
            return None
        try:
            return cls.model_validate_json(path.read_text(encoding="utf-8"))
        except (ValidationError, UnicodeDecodeError) as error:
            reason = first_validation_error(error) if isinstance(error, ValidationError) else error
            raise ModelshareError(
                f"{path} is not a thresholds file ({reason}); get the release again"
            ) from error


def rows_needed(tpr: float) -> int:
    """Rows a quantile at ``tpr`` needs so that at least one row lies beyond it.

    Example:
        >>> rows_needed(0.95)
        20
    """
    return math.ceil(round(1 / (1 - tpr), 9))


def calibrate(
    profile: DataProfile, predictor: Any, frame: pd.DataFrame, *, dataset: str, tpr: float = TPR
) -> OODThresholds:
    """Thresholds under which all checks together accept ``tpr`` of the held-out rows
    ``frame``, read as the model reads them; ``predictor`` gives a classifier's class scores
    (None for other models).

    Every score's threshold is its quantile at the same level, the lowest level from ``tpr``
    up at which the rows flagged by any check (out-of-range values and unseen categories
    included) are at most ``1 - tpr`` of them. When the range and category checks alone flag
    more, no level reaches ``tpr``: the thresholds lie at the highest level, and
    :attr:`OODThresholds.reached` is False.

    Example:
        >>> calibrate(profile, model, X_test, dataset="validation", tpr=0.9).tpr
        0.9
    """
    if not 0 < tpr < 1:
        raise InvalidInputError(f"the true-positive rate must lie between 0 and 1, not {tpr}")
    if len(frame) < rows_needed(tpr):
        raise InvalidInputError(
            f"dataset {dataset!r} has {len(frame)} rows; thresholds at a true-positive rate of "
            f"{tpr:g} need at least {rows_needed(tpr)}"
        )
    scores = _HeldOutScores.measure(profile, predictor, frame)
    for level in np.linspace(tpr, 1.0, CALIBRATION_LEVELS):
        thresholds = scores.thresholds(level)
        flagged = scores.flagged(thresholds)
        if flagged.mean() <= 1 - tpr:
            break
    return OODThresholds(
        dataset=dataset,
        rows=len(frame),
        tpr=tpr,
        score_quantile=round(float(level), 4),
        **thresholds,
        flagged_share=round(float(flagged.mean()), 4),
        fixed_share=round(float(scores.fixed.mean()), 4),
    )


@dataclass(frozen=True)
class _HeldOutScores:
    """The per-row scores of the held-out rows, computed once for every candidate level."""

    fixed: np.ndarray
    distance: np.ndarray | None
    confidence: np.ndarray | None
    energy: np.ndarray | None

    @classmethod
    def measure(cls, profile: DataProfile, predictor: Any, frame: pd.DataFrame) -> _HeldOutScores:
        """Out-of-range and unseen flags, distances and class scores of ``frame``."""
        scores = OODScorer(profile, mahalanobis_threshold=None).score(frame)
        distance = scores["score"].to_numpy() if profile.moments is not None else None
        probabilities, logits = class_outputs(predictor, frame)
        return cls(
            scores["flag"].to_numpy(dtype=bool),
            np.nan_to_num(distance, nan=0.0) if distance is not None else None,
            np.max(probabilities, axis=1) if probabilities is not None else None,
            energy_scores(logits) if probabilities is not None and logits is not None else None,
        )

    def thresholds(self, level: float) -> dict[str, float | None]:
        """Each score's threshold at quantile ``level`` (higher accepts more rows)."""
        return {
            "mahalanobis": _quantile(self.distance, level),
            "max_softmax": _quantile(self.confidence, 1 - level),
            "energy": _quantile(self.energy, level),
        }

    def flagged(self, thresholds: dict[str, float | None]) -> np.ndarray:
        """Which rows any check flags under ``thresholds`` (a score without a threshold,
        or a row without a score, flags nothing)."""
        flags = self.fixed.copy()
        checks = (
            (self.distance, thresholds["mahalanobis"], np.greater),
            (self.confidence, thresholds["max_softmax"], np.less),
            (self.energy, thresholds["energy"], np.greater),
        )
        for scores, threshold, beyond in checks:
            if scores is not None and threshold is not None:
                flags |= beyond(scores, threshold)
        return flags


def _quantile(values: np.ndarray | None, level: float) -> float | None:
    """The quantile of the scored rows (rows the model could not score are NaN)."""
    if values is None or np.isnan(values).all():
        return None
    return float(np.nanquantile(values, level))


def class_outputs(predictor: Any, frame: pd.DataFrame) -> tuple[Any, Any]:
    """``(probabilities, logits)`` of a classifier on ``frame``; None for what it does not
    give. Logits come from a network's scores or a scikit-learn ``decision_function``. Rows
    holding a non-finite number are not given to the model (most refuse them): their
    outputs are NaN, and there are none when no row can be scored.

    Example:
        >>> proba, logits = class_outputs(model, X_test)
        >>> proba.shape, logits.shape
        ((45, 3), (45, 3))
    """
    if predictor is None or getattr(predictor, "classes_", None) is None:
        return None, None
    if not isinstance(frame, pd.DataFrame):
        return _outputs(predictor, frame)
    scorable = ~non_finite_cells(frame).any(axis=1).to_numpy()
    if scorable.all():
        return _outputs(predictor, frame)
    if not scorable.any():
        return None, None
    probabilities, logits = _outputs(predictor, frame[scorable])
    return _with_unscored_rows(probabilities, scorable), _with_unscored_rows(logits, scorable)


def _with_unscored_rows(output: Any, scorable: np.ndarray) -> Any:
    """Outputs of the scorable rows spread over all rows, NaN for the others."""
    if output is None:
        return None
    values = np.asarray(output, dtype=float)
    spread = np.full((len(scorable), *values.shape[1:]), np.nan)
    spread[scorable] = values
    return spread


def _outputs(predictor: Any, frame: Any) -> tuple[Any, Any]:
    """``(probabilities, logits)`` of a classifier on rows it can score."""
    if isinstance(predictor, ScorePredictor):
        return predictor.scores(frame)
    if not hasattr(predictor, "predict_proba"):
        return None, None
    probabilities = np.asarray(predictor.predict_proba(frame), dtype=float)
    if not hasattr(predictor, "decision_function"):
        return probabilities, None
    decisions = np.asarray(predictor.decision_function(frame), dtype=float)
    return probabilities, proba_logits(decisions) if decisions.ndim == 1 else decisions
