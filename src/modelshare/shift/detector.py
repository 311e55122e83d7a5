"""``modelshare.ood(release).score(X)``: is each input like the data the model was trained on?

The detector reads a release's training-data profile and the thresholds calibrated when it was
saved (``ood_thresholds.json``). Each row gets the checks of :class:`OODScorer` (Mahalanobis
distance, out-of-range and non-finite values, unseen categories) and, for a classifier, its
maximum softmax probability and energy against the stored thresholds (a row holding a
non-finite number is not given to the model). The model, needed only for those, is
loaded with :func:`modelshare.load` (so never from a file that could run code) on first use.

Example:
    >>> detector = ood("releases/penguin-species")
    >>> rows = X_new.head(3).assign(body_mass_g=[3700.0, 9900.0, 4000.0])
    >>> rows["island"] = ["Dream", "Dream", "Anvers"]
    >>> scores = detector.score(rows)
    >>> scores[["score", "max_softmax"]].round(2)
         score  max_softmax
    100   1.71         0.98
    101  13.48         0.82
    102   2.50         0.95
    >>> scores["reasons"].tolist()
    ['', 'far from the training data, out of range: body_mass_g', 'unseen: island']
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from modelshare.bundle import open_release
from modelshare.errors import InvalidInputError
from modelshare.layout import OOD_FILE
from modelshare.manifest import refuse_unverified
from modelshare.shift.drift import load_reference, reference_path
from modelshare.shift.ood import OODScorer, energy_scores
from modelshare.shift.thresholds import OODThresholds, class_outputs
from modelshare.tables import as_frame

if TYPE_CHECKING:
    import pandas as pd

    from modelshare.models.base import ModelAdapter
    from modelshare.record import ModelFacts


def ood(
    reference: Any, *, model_class: type | None = None, trusted: Iterable[str] = ()
) -> OODDetector:
    """The out-of-distribution detector of a release folder (profile, calibrated thresholds
    and model) or of a profile alone (JSON path or :class:`DataProfile`: no classifier scores).

    ``model_class`` is the network class of a PyTorch release not made with
    ``PyTorchModelHubMixin``, and ``trusted`` the skops types you grant a scikit-learn
    model beyond modelshare's default list, as for :func:`modelshare.load`.

    Example:
        >>> ood("releases/penguin-species").thresholds.tpr
        0.95

    Raises:
        NotAReleaseError: ``reference`` is a folder that holds no release.
        IntegrityError: the profile or thresholds differ from the manifest, or there is none.
        InvalidInputError: a missing file, or a file that is no profile.
    """
    folder = reference_path(reference)
    release = folder if folder is not None and folder.is_dir() else None
    profile = load_reference(reference)
    thresholds = None
    if release is not None and (release / OOD_FILE).is_file():
        refuse_unverified(release, [OOD_FILE])
        thresholds = OODThresholds.load(release)
    if thresholds is not None and thresholds.mahalanobis is not None:
        scorer = OODScorer(profile, thresholds.mahalanobis)
    else:
        scorer = OODScorer.from_profile(profile)
    return OODDetector(scorer, thresholds, release, model_class, tuple(trusted))


@dataclass
class OODDetector:
    """Per-row out-of-distribution scores and flags for a release's inputs."""

    scorer: OODScorer
    thresholds: OODThresholds | None = None
    release: Path | None = None
    model_class: type | None = None
    trusted: tuple[str, ...] = ()
    _adapter: ModelAdapter | None = field(default=None, init=False, repr=False)

    def score(
        self,
        X: Any,
        *,
        probabilities: Any = None,
        logits: Any = None,
        use_model: bool = True,
    ) -> pd.DataFrame:
        """One row per input: ``score`` (Mahalanobis distance), ``flag`` (any check failed),
        ``reasons``, the flags of each check, and for classifiers ``max_softmax`` and
        ``energy``.

        ``X`` is what the model reads (a DataFrame, an array or tensor, texts). A classifier's
        scores are computed by the release's model unless ``probabilities`` (and ``logits``)
        are given, or ``use_model`` is False.

        Example:
            >>> detector = ood("releases/penguin-species")
            >>> f"{detector.score(X_new)['flag'].mean():.0%}"
            '12%'

        Raises:
            InvalidInputError: rows that lack the profiled features, or class scores of the
                wrong shape.
            IntegrityError: the release differs from its manifest, when the model is loaded
                for the classifier scores (:func:`modelshare.load`).
            UnsafeContentError: the model could run code, or needs a type nobody trusted.
        """
        adapter = self._model_adapter() if use_model and probabilities is None else None
        frame = adapter.features(X) if adapter is not None else as_frame(X)
        scores = self.scorer.score(frame)
        if adapter is not None:
            probabilities, logits = class_outputs(adapter.predictor(), frame)
        confidence_floor = self.thresholds.max_softmax if self.thresholds else None
        energy_ceiling = self.thresholds.energy if self.thresholds else None
        if probabilities is not None:
            probabilities = _checked_rows(probabilities, len(frame), "probabilities")
            scores["max_softmax"] = probabilities.max(axis=1)
            scores["low_confidence"] = (
                scores["max_softmax"] < confidence_floor if confidence_floor is not None else False
            )
        if logits is not None:
            scores["energy"] = energy_scores(_checked_rows(logits, len(frame), "logits"))
            scores["high_energy"] = (
                scores["energy"] > energy_ceiling if energy_ceiling is not None else False
            )
        for column in ("low_confidence", "high_energy"):
            if column in scores:
                scores["flag"] |= scores[column]
        scores["reasons"] = _reasons(scores)
        return scores

    def model_note(self) -> str | None:
        """Why the classifier scores cannot be computed from the release's model, or None.

        Example:
            >>> print(ood("releases/penguin-species").model_note())
            None
            >>> ood(profile).model_note()
            'a profile alone has no classifier thresholds: pass the release folder'
        """
        if self.release is None:
            return "a profile alone has no classifier thresholds: pass the release folder"
        if self.thresholds is None:
            return "the release has no calibrated thresholds (no large enough held-out dataset)"
        if self.thresholds.max_softmax is None:
            return "the release's model gives no class scores"
        facts = self._model_facts
        if facts.framework == "pytorch" and not facts.hub_mixin and self.model_class is None:
            return (
                f"{facts.estimator} needs its class: pass model_class= (or probabilities=) "
                "to score its outputs"
            )
        return None

    def _model_adapter(self) -> ModelAdapter | None:
        """The release's model read as the release read it, loaded once; None when the
        thresholds have no classifier part (the model is then not needed)."""
        if self._adapter is None and self.model_note() is None:
            from modelshare.loading import load
            from modelshare.models import release_adapter

            assert self.release is not None
            model = load(self.release, model_class=self.model_class, trusted=self.trusted)
            self._adapter = release_adapter(model, self._model_facts, self.release)
        return self._adapter

    @cached_property
    def _model_facts(self) -> ModelFacts:
        """What the release's record says of its model, read once."""
        assert self.release is not None
        return open_release(self.release).record.model


REASONS = (
    ("mahalanobis_flag", "far from the training data"),
    ("out_of_range", "out of range: "),
    ("non_finite", "non-finite value in "),
    ("unseen", "unseen: "),
    ("missing", "missing: "),
    ("low_confidence", "low confidence"),
    ("high_energy", "high energy"),
)
"""Each check's column in the scores and how a flagged row's reasons name it: a flag column
gives its words, a column of names its words followed by the names."""


def _reasons(scores: pd.DataFrame) -> np.ndarray:
    """Each row's failed checks in words ("" for rows not flagged); the work is done for the
    flagged rows only, so it costs little however many rows are scored.

    Example:
        >>> scores = ood(profile).score(X_new.head(2).assign(body_mass_g=[3700.0, 9900.0]))
        >>> _reasons(scores)
        array(['', 'far from the training data, out of range: body_mass_g'], dtype=object)
    """
    flagged = scores["flag"].to_numpy(dtype=bool)
    hits = scores[flagged]
    parts = []
    for column, words in REASONS:
        if column in hits:
            values = hits[column].to_numpy()
            if values.dtype == bool:
                parts.append(np.where(values, words, ""))
            else:
                parts.append([f"{words}{names}" if names else "" for names in values])
    reasons = np.full(len(scores), "", dtype=object)
    reasons[flagged] = [", ".join(filter(None, row)) for row in zip(*parts, strict=True)]
    return reasons


def _checked_rows(values: Any, rows: int, name: str) -> np.ndarray:
    """Class scores given by the caller, one row per input, or a one-line error."""
    array = np.asarray(values, dtype=float)
    if array.ndim != 2 or array.shape[0] != rows:
        raise InvalidInputError(
            f"{name} must hold one row of class scores per input ({rows} rows), not an array "
            f"of shape {array.shape}"
        )
    return array
