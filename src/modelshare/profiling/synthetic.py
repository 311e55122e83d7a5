"""Synthetic rows drawn from a published profile: example inputs that are no rows of the data.

Each column is drawn on its own (numbers from the published quantiles, categories in
proportion to their published counts), so a synthetic row reproduces no row of the data and
no combination of its values beyond chance, and uses nothing the profile does not publish.

Example:
    >>> rows = synthetic_rows(profile, X_train.dtypes, 3)
    >>> rows.columns.tolist() == X_train.columns.tolist(), len(rows)
    (True, 3)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from modelshare.errors import InvalidInputError
from modelshare.profiling.model import CategoricalColumn, DataProfile, NumericColumn

SEED = 0
SIGNIFICANT_DIGITS = 4
"""Synthetic numbers are rounded to this many significant digits: an example, not a measure."""


def synthetic_rows(
    profile: DataProfile, dtypes: Mapping[str, Any], n: int, *, seed: int = SEED
) -> pd.DataFrame:
    """``n`` rows with the columns and dtypes of ``dtypes``, drawn from ``profile``.

    Raises:
        InvalidInputError: a column was not profiled (dates, for one) or publishes no values
            (too few rows, or every category withheld), so nothing can be drawn for it.
    """
    rng = np.random.default_rng(seed)
    columns = {}
    for name, dtype in dtypes.items():
        column = _published(profile, str(name))
        values = _draw(column, n, rng)
        columns[name] = _as_dtype(pd.Series(values), dtype)
    return pd.DataFrame(columns)


def _published(profile: DataProfile, name: str) -> NumericColumn | CategoricalColumn:
    """The profile of column ``name``, or why no value can be drawn for it."""
    if name in profile.skipped:
        raise InvalidInputError(
            f"column {name!r} is not in the profile ({profile.skipped[name]}), so no synthetic "
            "value can be drawn for it"
        )
    try:
        return profile.column(name)
    except KeyError as error:
        raise InvalidInputError(f"column {name!r} is not in the profile") from error


def _draw(column: NumericColumn | CategoricalColumn, n: int, rng: np.random.Generator) -> Any:
    """``n`` values of one column: inverse transform sampling of the quantile grid between
    its clipped extremes (rounded to :data:`SIGNIFICANT_DIGITS`), or categories weighted by
    their published counts."""
    if isinstance(column, NumericColumn):
        if column.quantiles is None:
            raise InvalidInputError(
                f"column {column.name!r} publishes no quantiles (too few values), so no "
                "synthetic value can be drawn for it"
            )
        ranks = column.quantiles.ranks()
        drawn = np.interp(rng.uniform(ranks[0], ranks[-1], n), ranks, column.quantiles.values)
        return [float(f"{value:.{SIGNIFICANT_DIGITS}g}") for value in drawn]
    if not column.frequencies:
        raise InvalidInputError(
            f"column {column.name!r} publishes no category (each is withheld for privacy), so "
            "no synthetic value can be drawn for it"
        )
    categories = list(column.frequencies)
    counts = np.array([column.frequencies[category] for category in categories], dtype=float)
    return rng.choice(categories, size=n, p=counts / counts.sum())


def _as_dtype(values: pd.Series, dtype: Any) -> pd.Series:
    """Values in the dtype of the column they stand for: whole numbers rounded for an integer
    column, ``"True"``/``"False"`` read back for a boolean one, numbers read back from the
    published category labels of a numeric column."""
    if pd.api.types.is_bool_dtype(dtype):
        return values.astype(str).str.lower().eq("true").astype(dtype)
    if pd.api.types.is_numeric_dtype(dtype):
        numbers = pd.to_numeric(values)
        if pd.api.types.is_integer_dtype(dtype):
            numbers = numbers.round()
        return numbers.astype(dtype)
    return values.astype(dtype)
