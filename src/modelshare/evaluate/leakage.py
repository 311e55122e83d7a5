"""Leakage checks: signs that an evaluation overstates how the model does on new data.

Run when a release is saved, on the data as the model reads it:

- **training data**: an evaluation dataset (not declared ``split="train"``) with the training
  data's checksum is the training data itself.
- **overlap**: rows of an evaluation dataset identical to a training row (same feature values,
  same types, same target), found by hashing every row; reported when there are clearly more
  than chance explains: data with few distinct values repeats rows anyway, as often as the
  training rows repeat each other (a one-sided binomial test at :data:`OVERLAP_ALPHA`).
- **proxy**: a single feature that alone predicts the target almost perfectly on held-out
  training rows: a decision tree on that feature only, scored by 5-fold cross-validation on at
  most :data:`PROXY_MAX_ROWS` training rows, reaches :data:`PROXY_THRESHOLD` balanced accuracy
  (classification) or R² (regression). Cross-validation keeps identifiers (unique per row) from
  passing; a copy or an encoding of the target does not.
- **temporal**: with a declared time column, evaluation rows earlier than the latest training
  row.

Example:
    >>> from modelshare.data import dataset_checksum
    >>> training = LabelledRows("train", X_train, y_train, dataset_checksum(X_train, y_train))
    >>> X, y = pd.concat([X_test, X_train[:18]]), pd.concat([y_test, y_train[:18]])
    >>> test = LabelledRows("penguins-test", X, y, dataset_checksum(X, y))
    >>> findings = find_leakage(training, [test], task="classification")
    >>> [(f.check, f.count) for f in findings]
    [('overlap', 18)]
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from pandas.api import types as ptypes
from sklearn import metrics as skm
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_predict
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from modelshare.data import FINITE_LIMIT, feature_kind
from modelshare.errors import InvalidInputError
from modelshare.record import LeakageFinding

PROXY_THRESHOLD = 0.99
"""Balanced accuracy (classification) or R² (regression) a single feature must reach alone,
on held-out training rows, to be reported as a proxy of the target."""

PROXY_FOLDS = 5
PROXY_MAX_ROWS = 5000
"""Training rows the proxy check reads at most (a seeded sample of larger data)."""

PROXY_MIN_ROWS = 20
"""Below this many training rows the proxy check is not run: too few to cross-validate."""

SEED = 0

OVERLAP_ALPHA = 0.001
"""How unlikely an overlap must be under chance duplicates alone to be reported."""


@dataclass(frozen=True)
class LabelledRows:
    """A dataset as the leakage checks read it: features as the model reads them, the target,
    the checksum, the split it was declared as, and the data as given (for a time column)."""

    name: str
    features: pd.DataFrame
    target: pd.Series
    checksum: str
    split: str = "test"
    given: Any = None


def find_leakage(
    training: LabelledRows,
    evaluations: Iterable[LabelledRows],
    task: str,
    time_column: str | None = None,
) -> list[LeakageFinding]:
    """Every leakage finding of a release: per evaluation dataset, then per feature.

    Example:
        >>> from modelshare.data import dataset_checksum
        >>> training = LabelledRows("train", X_train, y_train, dataset_checksum(X_train, y_train))
        >>> find_leakage(training, [training], "classification")[0].check
        'training_data'
    """
    held_out = [rows for rows in evaluations if rows.split != "train"]
    findings = [finding for rows in held_out for finding in evaluation_findings(training, rows)]
    findings += proxy_findings(training.features, training.target, task)
    if time_column is not None:
        findings += temporal_findings(training, held_out, time_column)
    return findings


def evaluation_findings(training: LabelledRows, evaluation: LabelledRows) -> list[LeakageFinding]:
    """Whether an evaluation dataset is the training data, or shares rows with it.

    Example:
        >>> from modelshare.data import dataset_checksum
        >>> training = LabelledRows("train", X_train, y_train, dataset_checksum(X_train, y_train))
        >>> X, y = pd.concat([X_test, X_train[:18]]), pd.concat([y_test, y_train[:18]])
        >>> test = LabelledRows("penguins-test", X, y, dataset_checksum(X, y))
        >>> evaluation_findings(training, test)[0].evidence
        "18 of 63 rows of 'penguins-test' (28.6%) are also training rows (...); no training ..."
    """
    name = evaluation.name
    if evaluation.checksum == training.checksum:
        return [
            LeakageFinding(
                check="training_data",
                dataset=name,
                evidence=f"evaluation {name!r} is the training data itself (same checksum "
                f"{training.checksum[:19]}…): its scores say nothing about new data",
            )
        ]
    count = overlapping_rows(training, evaluation)
    total = len(evaluation.features)
    chance = duplicate_share(training)
    if not count or not above_chance(count, total, chance):
        return []
    expected = (
        f", more than the {chance:.1%} that duplicates within the training data lead one to "
        f"expect (binomial p < {OVERLAP_ALPHA})"
        if chance
        else "; no training row repeats another, so none is expected by chance"
    )
    return [
        LeakageFinding(
            check="overlap",
            dataset=name,
            count=count,
            value=round(chance, 4),
            evidence=f"{count} of {total} rows of {name!r} ({count / total:.1%}) are also "
            f"training rows (identical features and target){expected}",
        )
    ]


def duplicate_share(training: LabelledRows) -> float:
    """The share of training rows identical to another training row: how often a new row
    from the same distribution matches a training row by chance.

    Example:
        >>> round(duplicate_share(LabelledRows("train", X_train, y_train, "")), 3)
        0.0
        >>> repeated = pd.concat([X_train, X_train[:20]])
        >>> training = LabelledRows("train", repeated, pd.concat([y_train, y_train[:20]]), "")
        >>> round(duplicate_share(training), 3)
        0.201
    """
    hashes = row_hashes(training.features, training.target)
    if not len(hashes):
        return 0.0
    _, inverse, counts = np.unique(hashes, return_inverse=True, return_counts=True)
    return float((counts[inverse] > 1).mean())


def above_chance(count: int, total: int, chance: float) -> bool:
    """Whether ``count`` of ``total`` rows matching training rows is clearly more than
    ``chance`` explains: a one-sided binomial test at :data:`OVERLAP_ALPHA`.

    Example:
        >>> above_chance(83, 600, 0.075), above_chance(50, 600, 0.075), above_chance(1, 600, 0.0)
        (True, False, True)
    """
    from scipy.stats import binom

    return bool(binom.sf(count - 1, total, chance) < OVERLAP_ALPHA)


def overlapping_rows(training: LabelledRows, evaluation: LabelledRows) -> int:
    """How many evaluation rows are identical to a training row (0 when the columns differ).

    Example:
        >>> training = LabelledRows("train", X_train, y_train, "")
        >>> X, y = pd.concat([X_test, X_train[:18]]), pd.concat([y_test, y_train[:18]])
        >>> overlapping_rows(training, LabelledRows("penguins-test", X, y, ""))
        18
    """
    columns = list(training.features.columns)
    if set(evaluation.features.columns) != set(columns):
        return 0
    seen = row_hashes(training.features, training.target)
    candidates = row_hashes(evaluation.features[columns], evaluation.target)
    return int(np.isin(candidates, seen).sum())


def row_hashes(features: pd.DataFrame, target: pd.Series) -> np.ndarray:
    """One 64-bit hash per row of features and target (pandas' row hashing, index ignored).

    Example:
        >>> row_hashes(X_test, y_test).shape
        (45,)
    """
    features_hash = pd.util.hash_pandas_object(features, index=False).to_numpy()
    target_hash = pd.util.hash_pandas_object(target, index=False).to_numpy()
    return features_hash * np.uint64(1_000_003) ^ target_hash


PROXY_NOT_RUN = (
    f"it needs at least {PROXY_MIN_ROWS} training rows with a target, of at least two values"
)
"""Why the single-feature check was not run, as the record and the card say it."""


def checks_not_run(training: LabelledRows) -> dict[str, str]:
    """The leakage checks that cannot run on this training data, with the reason.

    Example:
        >>> tiny = LabelledRows("tiny", X_train.head(8), y_train.head(8), "sha256:0")
        >>> checks_not_run(tiny)
        {'proxy': 'it needs at least 20 training rows with a target, of at least two values'}
    """
    known = training.target.notna()
    runs = proxy_check_runs(int(known.sum()), training.target[known].nunique())
    return {} if runs else {"proxy": PROXY_NOT_RUN}


def proxy_findings(features: pd.DataFrame, target: pd.Series, task: str) -> list[LeakageFinding]:
    """Features that alone predict the target on held-out training rows at
    :data:`PROXY_THRESHOLD` or better.

    Example:
        >>> leaky = X_train.assign(leak=y_train)
        >>> [f.feature for f in proxy_findings(leaky, y_train, "classification")]
        ['leak']
    """
    X, y = _proxy_sample(features, target)
    if not proxy_check_runs(len(y), y.nunique()):
        return []
    folds = _folds(y, task)
    measure = "balanced accuracy" if task == "classification" else "R²"
    findings = []
    for column in X.columns:
        score = single_feature_score(X[column], y, task, folds)
        if score is not None and score >= PROXY_THRESHOLD:
            findings.append(
                LeakageFinding(
                    check="proxy",
                    feature=str(column),
                    value=round(score, 4),
                    evidence=f"feature {str(column)!r} alone predicts {str(y.name)!r} with "
                    f"{measure} {score:.3f} on held-out training rows ({PROXY_FOLDS}-fold "
                    f"cross-validation of a decision tree; threshold {PROXY_THRESHOLD})",
                )
            )
    return findings


def proxy_check_runs(rows: int, distinct: int) -> bool:
    """Whether the proxy check runs on ``rows`` training rows with a target of ``distinct``
    values: it needs :data:`PROXY_MIN_ROWS` rows and two values to cross-validate.

    Example:
        >>> proxy_check_runs(8, 2), proxy_check_runs(179, 3)
        (False, True)
    """
    return rows >= PROXY_MIN_ROWS and distinct >= 2


def single_feature_score(
    column: pd.Series, y: pd.Series, task: str, folds: KFold | StratifiedKFold
) -> float | None:
    """The cross-validated score of a decision tree that reads only ``column``; None for a
    datetime column.

    Example:
        >>> folds = StratifiedKFold(5, shuffle=True, random_state=0)
        >>> round(single_feature_score(X_train["island"], y_train, "classification", folds), 4)
        0.7958
    """
    values = _encoded(column)
    if values is None:
        return None
    tree = (
        DecisionTreeClassifier(random_state=SEED)
        if task == "classification"
        else DecisionTreeRegressor(random_state=SEED)
    )
    predicted = cross_val_predict(tree, values.reshape(-1, 1), y.to_numpy(), cv=folds)
    if task == "classification":
        return float(skm.balanced_accuracy_score(y, predicted))
    return float(skm.r2_score(y, predicted))


def _proxy_sample(features: pd.DataFrame, target: pd.Series) -> tuple[pd.DataFrame, pd.Series]:
    """The training rows with a target, at most :data:`PROXY_MAX_ROWS` of them."""
    known = target.notna().to_numpy()
    X, y = features.iloc[known].reset_index(drop=True), target[known].reset_index(drop=True)
    if len(y) <= PROXY_MAX_ROWS:
        return X, y
    rows = np.sort(np.random.default_rng(SEED).choice(len(y), PROXY_MAX_ROWS, replace=False))
    return X.iloc[rows].reset_index(drop=True), y.iloc[rows].reset_index(drop=True)


def _folds(y: pd.Series, task: str) -> KFold | StratifiedKFold:
    """Stratified folds for a classification target whose classes allow it, else plain ones."""
    smallest = int(y.value_counts().min()) if task == "classification" else 0
    if smallest >= 2:
        return StratifiedKFold(min(PROXY_FOLDS, smallest), shuffle=True, random_state=SEED)
    return KFold(PROXY_FOLDS, shuffle=True, random_state=SEED)


def _encoded(column: pd.Series) -> np.ndarray | None:
    """A column as numbers a tree can split: numbers as they are (missing kept; infinite or
    beyond float32, which trees cannot split, as missing), categories as codes (missing as
    its own code); None for datetimes."""
    kind = feature_kind(column)
    if kind == "datetime":
        return None
    if kind in ("numeric", "boolean"):
        values = pd.to_numeric(column, errors="coerce").astype(float).to_numpy()
        return np.where(np.abs(values) <= FINITE_LIMIT, values, np.nan)
    return pd.factorize(column, use_na_sentinel=True)[0].astype(float)


def temporal_findings(
    training: LabelledRows, evaluations: Iterable[LabelledRows], time_column: str
) -> list[LeakageFinding]:
    """Evaluation rows earlier than the latest training row of the declared time column.

    Example:
        >>> training = LabelledRows("train", X_train, y_train, "", given=X_train.assign(year=2008))
        >>> given = X_test.assign(year=[2007] * 12 + [2009] * 33)
        >>> test = LabelledRows("penguins-test", X_test, y_test, "", given=given)
        >>> temporal_findings(training, [test], "year")[0].count
        12
    """
    latest = _times(training, time_column).max()
    findings = []
    for rows in evaluations:
        times = _times(rows, time_column)
        earlier = int((times < latest).sum())
        if earlier:
            findings.append(
                LeakageFinding(
                    check="temporal",
                    dataset=rows.name,
                    count=earlier,
                    evidence=f"{earlier} of {len(times)} rows of {rows.name!r} are earlier than "
                    f"the latest training row ({time_column} {latest}): the model was trained "
                    "on data from after them",
                )
            )
    return findings


def _times(rows: LabelledRows, column: str) -> pd.Series:
    """The time column of a dataset as given: numbers as they are, anything else as dates."""
    given = rows.given
    if not isinstance(given, pd.DataFrame) or column not in given.columns:
        raise InvalidInputError(
            f"the time column {column!r} is not a column of dataset {rows.name!r}; pass "
            "every dataset as a DataFrame holding it"
        )
    values = given[column]
    if ptypes.is_numeric_dtype(values) or ptypes.is_datetime64_any_dtype(values):
        return values
    try:
        return pd.to_datetime(values)
    except (ValueError, TypeError) as error:
        raise InvalidInputError(
            f"the time column {column!r} of dataset {rows.name!r} holds values that are "
            "neither numbers nor dates"
        ) from error
