"""Single-input out-of-distribution scores: is this row like the training data?

:class:`OODScorer` reads a training-data profile and scores each row five ways: its
Mahalanobis distance from the profile's moments (shrunk covariance), numeric values beyond the
profile's clipped extremes by a margin, non-finite numbers (±inf, or beyond ±3.4e38: flagged,
and counted as missing in the distance), labels the profile does not list (when it lists every
category) and values missing where the training data had none. For classifiers,
:func:`calibrate_softmax_thresholds` and :func:`energy_scores` turn the model's outputs into
flags, with thresholds calibrated on held-out in-distribution data at a chosen true-positive
rate (the share of in-distribution rows accepted).

Example:
    >>> profile = DataProfile.load(Path("releases/penguin-species/data_profile.json"))
    >>> scorer = OODScorer.from_profile(profile)
    >>> rows = X_new.head(3).assign(body_mass_g=[3700.0, 9900.0, 4000.0])
    >>> rows["island"] = ["Dream", "Dream", "Anvers"]
    >>> scores = scorer.score(rows)
    >>> scores.loc[scores["flag"], ["score", "out_of_range", "unseen"]].round(2)
         score out_of_range  unseen
    101  13.48  body_mass_g
    102   2.50               island
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from modelshare.data import FINITE_LIMIT, is_finite
from modelshare.errors import InvalidInputError
from modelshare.profiling.model import CategoricalColumn, DataProfile, Moments, NumericColumn
from modelshare.tables import as_frame, as_labels, listing

if TYPE_CHECKING:
    import pandas as pd

CHI2_QUANTILE = 0.999
"""Default Mahalanobis threshold: this quantile of the chi-squared distribution with one
degree of freedom per feature (0.1 % of Gaussian training rows flagged)."""

RANGE_MARGIN = 0.25
"""A value is out of range beyond the clipped extremes by this share of their distance."""

TPR = 0.95
"""Default true-positive rate of calibrated classifier thresholds."""

BLOCK_ROWS = 65_536
"""Rows standardised at a time for the Mahalanobis distance, bounding its working memory."""


@dataclass(frozen=True)
class OODScorer:
    """Per-row out-of-distribution scores from a training-data profile."""

    profile: DataProfile
    mahalanobis_threshold: float | None
    range_margin: float = RANGE_MARGIN

    @classmethod
    def from_profile(
        cls,
        profile: DataProfile,
        *,
        quantile: float = CHI2_QUANTILE,
        range_margin: float = RANGE_MARGIN,
    ) -> OODScorer:
        """A scorer whose Mahalanobis threshold is the chi-squared ``quantile`` (Gaussian
        assumption); use :meth:`calibrated` with held-out data for an empirical one.

        Example:
            >>> round(OODScorer.from_profile(profile).mahalanobis_threshold, 2)
            4.3
        """
        from scipy.stats import chi2

        moments = profile.moments
        threshold = None
        if moments is not None:
            threshold = float(np.sqrt(chi2.ppf(quantile, len(moments.features))))
        return cls(profile, threshold, range_margin)

    def calibrated(self, X: Any, tpr: float = 0.99) -> OODScorer:
        """This scorer with the Mahalanobis threshold that accepts ``tpr`` of the rows of
        ``X``, held-out data from the training distribution.

        Example:
            >>> scorer = OODScorer.from_profile(profile)
            >>> round(scorer.calibrated(X_test, tpr=0.99).mahalanobis_threshold, 2)
            2.99
        """
        distances = self.mahalanobis(X)
        distances = distances[~np.isnan(distances)]
        if distances.size == 0:
            raise InvalidInputError("no row to calibrate on; pass held-out rows with the features")
        return replace(self, mahalanobis_threshold=float(np.quantile(distances, tpr)))

    def score(self, X: Any) -> pd.DataFrame:
        """One row per input row: ``score`` (Mahalanobis distance), ``flag`` (any check
        failed), ``mahalanobis_flag``, and the names of the columns holding values out of range
        (``out_of_range``), non-finite numbers (``non_finite``), categories never seen
        (``unseen``) or missing values where the training data had none (``missing``).

        Example:
            >>> scorer = OODScorer.from_profile(profile)
            >>> f"{scorer.score(X_new)['flag'].mean():.0%}"
            '6%'
        """
        import pandas as pd

        frame = self._frame(X)
        distance = self.mahalanobis(frame)
        threshold = self.mahalanobis_threshold
        far = distance > threshold if threshold is not None else np.zeros(len(frame), bool)
        out_of_range = _names_per_row(self._out_of_range(frame), len(frame))
        non_finite = _names_per_row(self._non_finite(frame), len(frame))
        unseen = _names_per_row(self._unseen(frame), len(frame))
        missing = _names_per_row(self._unexpected_missing(frame), len(frame))
        named = [out_of_range, non_finite, unseen, missing]
        return pd.DataFrame(
            {
                "score": distance,
                "flag": far | np.logical_or.reduce([names != "" for names in named]),
                "mahalanobis_flag": far,
                "out_of_range": out_of_range,
                "non_finite": non_finite,
                "unseen": unseen,
                "missing": missing,
            },
            index=frame.index,
        )

    def mahalanobis(self, X: Any) -> np.ndarray:
        """Each row's Mahalanobis distance from the profile's mean under the shrunk
        covariance; missing and non-finite values count as the mean. ``NaN`` without moments.

        Example:
            >>> scorer = OODScorer.from_profile(profile)
            >>> scorer.mahalanobis(X_new)[:2].round(2)
            array([1.71, 2.35])
        """
        frame = self._frame(X)
        moments = self.profile.moments
        if moments is None:
            return np.full(len(frame), np.nan)
        precision = np.linalg.pinv(moments.shrunk_correlation(), hermitian=True)
        squared = np.empty(len(frame))
        for start in range(0, len(frame), BLOCK_ROWS):
            block = _standardised(frame.iloc[start : start + BLOCK_ROWS], moments)
            squared[start : start + len(block)] = np.einsum("ij,ij->i", block @ precision, block)
        return np.sqrt(np.clip(squared, 0, None))

    def _frame(self, X: Any) -> pd.DataFrame:
        """``X`` as a DataFrame holding every profiled feature (named as strings, as in the
        profile)."""
        frame = as_frame(X).rename(columns=str)
        absent = [c.name for c in self.profile.columns if c.name not in frame.columns]
        if absent:
            raise InvalidInputError(
                f"the rows lack profiled features: {listing(absent)}; "
                "pass the columns the model was trained on"
            )
        return frame

    def _out_of_range(self, frame: pd.DataFrame) -> dict[str, np.ndarray]:
        """Per numeric column, which rows hold a finite value beyond its clipped extremes plus
        the margin."""
        flags = {}
        for column in self.profile.columns:
            if isinstance(column, NumericColumn) and column.quantiles is not None:
                low, high = column.quantiles.values[0], column.quantiles.values[-1]
                margin = self.range_margin * (high - low)
                values = _numbers(frame[column.name])
                outside = (values < low - margin) | (values > high + margin)
                flags[column.name] = outside & is_finite(values)
        return flags

    def _non_finite(self, frame: pd.DataFrame) -> dict[str, np.ndarray]:
        """Per numeric column, which rows hold ±inf or a number beyond ±3.4e38."""
        flags = {}
        for column in self.profile.columns:
            if isinstance(column, NumericColumn):
                values = _numbers(frame[column.name])
                flags[column.name] = ~np.isnan(values) & ~is_finite(values)
        return flags

    def _unexpected_missing(self, frame: pd.DataFrame) -> dict[str, np.ndarray]:
        """Per column the training data never left empty, which rows leave it empty."""
        return {
            column.name: frame[column.name].isna().to_numpy()
            for column in self.profile.columns
            if column.missing == 0
        }

    def _unseen(self, frame: pd.DataFrame) -> dict[str, np.ndarray]:
        """Per categorical column whose every category is published, which rows hold a label
        the profile does not list (a column with an 'other' count may have seen it)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        flags = {}
        for column in self.profile.columns:
            if isinstance(column, CategoricalColumn) and column.other == 0:
                labels = as_labels(frame[column.name])
                listed = pc.is_in(labels, value_set=pa.array(list(column.frequencies), pa.string()))
                flags[column.name] = pc.and_(pc.invert(listed), pc.is_valid(labels)).to_numpy(
                    zero_copy_only=False
                )
        return flags


@dataclass(frozen=True)
class ClassifierThresholds:
    """Thresholds on a classifier's outputs, calibrated on held-out in-distribution data:
    a row is flagged when its maximum softmax probability is below ``max_softmax`` or its
    energy is above ``energy``."""

    tpr: float
    max_softmax: float
    energy: float | None = None

    def flag(self, probabilities: Any, logits: Any = None) -> np.ndarray:
        """Which rows fail a threshold.

        Example:
            >>> thresholds = calibrate_softmax_thresholds(model.predict_proba(X_test), tpr=0.95)
            >>> f"{thresholds.flag(model.predict_proba(X_new)).mean():.0%}"
            '13%'
        """
        flags = np.max(np.asarray(probabilities, dtype=float), axis=1) < self.max_softmax
        if self.energy is not None and logits is not None:
            flags |= energy_scores(logits) > self.energy
        return flags


def calibrate_softmax_thresholds(
    probabilities: Any, tpr: float = TPR, *, logits: Any = None
) -> ClassifierThresholds:
    """Thresholds that accept ``tpr`` of held-out in-distribution rows: the maximum softmax
    probability (Hendrycks & Gimpel, 2017) and, given logits, the energy score (Liu et al.,
    2020). Store them with the release; apply them with :meth:`ClassifierThresholds.flag`.

    Example:
        >>> thresholds = calibrate_softmax_thresholds(model.predict_proba(X_test), tpr=0.95)
        >>> round(thresholds.max_softmax, 2)
        0.88
    """
    if not 0 < tpr < 1:
        raise ValueError(f"tpr must be between 0 and 1, not {tpr}")
    confidence = np.max(np.asarray(probabilities, dtype=float), axis=1)
    energy = None
    if logits is not None:
        energy = float(np.quantile(energy_scores(logits), tpr))
    return ClassifierThresholds(tpr, float(np.quantile(confidence, 1 - tpr)), energy)


def energy_scores(logits: Any, temperature: float = 1.0) -> np.ndarray:
    """The energy score -T log sum exp(logits / T) per row: higher means less like the
    training data.

    Example:
        >>> energy_scores(np.array([[10.0, 0.0], [0.1, 0.0]])).round(2)
        array([-10.  ,  -0.74])
    """
    from scipy.special import logsumexp

    values = np.asarray(logits, dtype=float)
    return -temperature * logsumexp(values / temperature, axis=1)


def _standardised(frame: pd.DataFrame, moments: Moments) -> np.ndarray:
    """The moment features standardised by the profile, missing and non-finite values at 0
    (the mean), the rest within ±3.4e38 so that the distance's sums cannot overflow."""
    standardised = np.empty((len(frame), len(moments.features)))
    for position, name in enumerate(moments.features):
        standardised[:, position] = _numbers(frame[name])
    standardised[~is_finite(standardised)] = np.nan
    with np.errstate(over="ignore"):  # a value far beyond a tiny spread: clipped below
        standardised -= np.asarray(moments.mean)
        standardised /= np.where(np.asarray(moments.std) > 0, moments.std, 1.0)
    standardised[np.isnan(standardised)] = 0.0
    return np.clip(standardised, -FINITE_LIMIT, FINITE_LIMIT, out=standardised)


def _numbers(values: pd.Series) -> np.ndarray:
    """A column as floats with NaN for missing, or a one-line error."""
    import pandas as pd

    converted = pd.to_numeric(values, errors="coerce")
    if (converted.isna() & values.notna()).any():
        raise InvalidInputError(f"column '{values.name}' holds values that are not numbers")
    return converted.to_numpy(dtype=float, na_value=np.nan)


def _names_per_row(flags: dict[str, np.ndarray], rows: int) -> np.ndarray:
    """For each row, the comma-separated names of the columns flagged in it."""
    names = np.full(rows, "", dtype=object)
    for name, flagged in flags.items():
        names[flagged] = [
            f"{previous}, {name}" if previous else name for previous in names[flagged]
        ]
    return names
