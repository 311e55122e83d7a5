"""The privacy-safe data profile as pydantic models: what ``data_profile.json`` holds.

A profile describes each column's distribution without any row: numeric columns by counts,
moments, a grid of clipped quantiles and a histogram; categorical columns by the frequencies of
categories seen at least k times; plus the class balance of the target and the joint moments
that multivariate out-of-distribution scores need. What was withheld is listed in ``privacy``.

A profile read from a file is checked before anything uses it: finite numbers only, counts
that are not negative, sorted quantiles, moments and correlations of matching shapes, and
column names of their own, so a damaged or hostile ``data_profile.json`` is refused in one line.

Example:
    >>> profile = DataProfile.load(Path("releases/penguin-species/data_profile.json"))
    >>> round(profile.column("bill_length_mm").quantiles.median(), 2)
    43.86
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    NonNegativeInt,
    ValidationError,
    field_validator,
    model_validator,
)

from modelshare.data import FINITE_LIMIT
from modelshare.errors import InvalidInputError, first_validation_error
from modelshare.layout import PROFILE_FILE
from modelshare.tables import column_name_problem

PROFILE_FORMAT = "modelshare-data-profile"
PROFILE_VERSION = 1


Share = Annotated[float, Field(ge=0, le=1)]
Correlation = Annotated[float, Field(ge=-1, le=1)]
Spread = Annotated[float, Field(ge=0)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class QuantileGrid(_Model):
    """Quantiles at evenly spaced ranks, from ``rank_start`` in steps of ``rank_step``.

    ``rank_error`` is the quantile sketch's normalized rank error (99 % confidence, 0 when the
    sketch was exact): the true rank of ``values[i]`` is within ``rank_error`` of its grid rank.
    """

    rank_start: Share
    rank_step: Annotated[float, Field(gt=0, le=1)]
    values: list[float] = Field(min_length=1)
    rank_error: Share

    @field_validator("values")
    @classmethod
    def _sorted(cls, values: list[float]) -> list[float]:
        if any(later < earlier for earlier, later in pairwise(values)):
            raise ValueError("quantiles must not decrease")
        return values

    def ranks(self) -> np.ndarray:
        """The grid's ranks, one per value.

        Example:
            >>> grid = QuantileGrid(rank_start=0.25, rank_step=0.25, values=[1, 2, 4], rank_error=0)
            >>> grid.ranks()
            array([0.25, 0.5 , 0.75])
        """
        return self.rank_start + self.rank_step * np.arange(len(self.values))

    def quantile(self, rank: float) -> float:
        """The value at ``rank``, interpolated between grid points (clamped to the grid).

        Example:
            >>> round(profile.column("body_mass_g").quantiles.quantile(0.5))
            4080
        """
        return float(np.interp(rank, self.ranks(), self.values))

    def knots(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The grid's distinct values with the lowest and highest rank at each.

        A value repeated on the grid is an atom: the CDF jumps there from about its lowest to
        its highest rank. A value seen once has equal lowest and highest rank.

        Example:
            >>> QuantileGrid(rank_start=0.1, rank_step=0.1, values=[1, 1, 2], rank_error=0).knots()
            (array([1., 2.]), array([0.1, 0.3]), array([0.2, 0.3]))
        """
        values, ranks = np.asarray(self.values, dtype=float), self.ranks()
        distinct, first = np.unique(values, return_index=True)
        last = len(values) - 1 - np.unique(values[::-1], return_index=True)[1]
        return distinct, ranks[first], ranks[last]

    def cdf(self, x: np.ndarray) -> np.ndarray:
        """The share of values at or below ``x``: jumps at atoms, linear between knots,
        clamped to the grid's first and last rank outside it.

        Example:
            >>> grid = QuantileGrid(rank_start=0.25, rank_step=0.25, values=[1, 2, 4], rank_error=0)
            >>> grid.cdf(np.array([0.5, 1.5, 3.0, 5.0]))
            array([0.25 , 0.375, 0.625, 0.75 ])
        """
        distinct, lowest, highest = self.knots()
        x = np.asarray(x, dtype=float)
        after = np.clip(np.searchsorted(distinct, x, side="right"), 1, len(distinct)) - 1
        following = np.minimum(after + 1, len(distinct) - 1)
        width = distinct[following] - distinct[after]
        fraction = np.divide(
            x - distinct[after], width, out=np.zeros_like(x), where=width > 0
        ).clip(0, 1)
        inside = highest[after] + fraction * (lowest[following] - highest[after])
        return np.where(x < distinct[0], lowest[0], inside)

    def median(self) -> float:
        """The value at rank 0.5.

        Example:
            >>> grid = QuantileGrid(rank_start=0.25, rank_step=0.25, values=[1, 2, 4], rank_error=0)
            >>> grid.median()
            2.0
        """
        return self.quantile(0.5)


class Histogram(_Model):
    """Row counts in equal-width bins between the clipped extremes, and the rows outside them."""

    edges: list[float]
    counts: list[NonNegativeInt]
    below: NonNegativeInt = Field(description="rows below the first edge (not binned, for privacy)")
    above: NonNegativeInt = Field(description="rows above the last edge (not binned, for privacy)")

    @model_validator(mode="after")
    def _one_count_per_bin(self) -> Histogram:
        if len(self.edges) != len(self.counts) + 1:
            raise ValueError("a histogram has one more edge than counts")
        return self


class NumericColumn(_Model):
    """A numeric column: counts, moments, clipped quantiles and a histogram.

    ``mean``, ``std``, ``quantiles`` and ``histogram`` are ``None`` when the column has fewer
    than k values. Non-finite values are counted in ``non_finite`` and nowhere else (the field
    is left out of the JSON when there are none).
    """

    name: str
    kind: Literal["numeric"] = "numeric"
    count: NonNegativeInt = Field(description="finite values: those the numbers describe")
    missing: NonNegativeInt
    non_finite: NonNegativeInt = Field(
        0,
        exclude_if=lambda count: count == 0,
        description=f"values that are ±inf or beyond ±{FINITE_LIMIT:.2g} (the float32 range), "
        "left out of the moments and quantiles",
    )
    mean: float | None = None
    std: Spread | None = None
    quantiles: QuantileGrid | None = None
    histogram: Histogram | None = None

    def robust_scale(self) -> float:
        """The spread used to normalise distances: IQR / 1.349, else the std, else 0.

        For normal data both equal the standard deviation; the IQR is unmoved by outliers.

        Example:
            >>> round(profile.column("flipper_length_mm").robust_scale(), 2)
            17.35
        """
        if self.quantiles is not None:
            iqr = self.quantiles.quantile(0.75) - self.quantiles.quantile(0.25)
            if iqr > 0:
                return iqr / 1.349
        return self.std or 0.0


class CategoricalColumn(_Model):
    """A categorical (or boolean) column: frequencies of the categories seen at least k times.

    Every other value is counted in ``other``: categories seen fewer than k times and, for
    columns with more than ``max_categories`` categories, the least frequent ones.
    """

    name: str
    kind: Literal["categorical"] = "categorical"
    count: NonNegativeInt = Field(description="non-missing values")
    missing: NonNegativeInt
    distinct: NonNegativeInt = Field(
        description="distinct non-missing values (HyperLogLog estimate)"
    )
    frequencies: dict[str, NonNegativeInt] = Field(
        description="published categories, most frequent first"
    )
    other: NonNegativeInt = Field(description="rows of every category not published")
    other_categories: NonNegativeInt = Field(
        description="how many categories are counted in 'other'"
    )
    count_error: NonNegativeInt = Field(
        0, description="largest possible undercount of a published count"
    )

    def shares(self) -> dict[str, float]:
        """Each published category's share of the non-missing values.

        Example:
            >>> profile.target.shares()
            {'Adelie': 0.446..., 'Gentoo': 0.357..., 'Chinstrap': 0.195...}
        """
        total = max(self.count, 1)
        return {category: count / total for category, count in self.frequencies.items()}


ColumnProfile = Annotated[NumericColumn | CategoricalColumn, Field(discriminator="kind")]


class Moments(_Model):
    """Mean, spread and correlation of the numeric features over rows with all of them present.

    ``shrinkage`` is the Oracle Approximating Shrinkage coefficient (Chen et al., 2010) of the
    correlation matrix; :meth:`shrunk_covariance` applies it.
    """

    features: list[str]
    count: NonNegativeInt
    mean: list[float]
    std: list[Spread]
    correlation: list[list[Correlation]]
    shrinkage: Share

    @model_validator(mode="after")
    def _one_value_per_feature(self) -> Moments:
        width = len(self.features)
        rows = [self.mean, self.std, self.correlation, *self.correlation]
        if any(len(row) != width for row in rows):
            raise ValueError("mean, std and each correlation row need one value per feature")
        return self

    def shrunk_correlation(self) -> np.ndarray:
        """The correlation matrix shrunk towards the identity: (1-s)R + sI.

        Example:
            >>> profile.moments.shrunk_correlation().shape
            (4, 4)
        """
        correlation = np.asarray(self.correlation)
        return (1 - self.shrinkage) * correlation + self.shrinkage * np.eye(len(correlation))

    def shrunk_covariance(self) -> np.ndarray:
        """The covariance rebuilt from the shrunk correlation: D((1-s)R + sI)D.

        Example:
            >>> profile.moments.shrunk_covariance().shape
            (4, 4)
        """
        scale = np.asarray(self.std)
        return self.shrunk_correlation() * np.outer(scale, scale)


class Privacy(_Model):
    """The rules the profile was finalised with and what they withheld, in words."""

    k_anonymity: int = Field(ge=1, description="every published number describes at least k rows")
    quantile_clip: float = Field(
        ge=0, lt=0.5, description="ranks below this and above 1 minus this withheld"
    )
    withheld: list[str] = Field(description="what was withheld, one sentence each")


class DataProfile(_Model):
    """A privacy-safe summary of a dataset's distribution: ``data_profile.json``."""

    format: Literal["modelshare-data-profile"] = PROFILE_FORMAT
    version: Literal[1] = PROFILE_VERSION
    rows: NonNegativeInt
    columns: list[ColumnProfile]
    target: ColumnProfile | None = None
    moments: Moments | None = None
    skipped: dict[str, str] = Field(
        default_factory=dict, description="columns not profiled, with the reason"
    )
    privacy: Privacy

    @model_validator(mode="after")
    def _columns_of_their_own(self) -> DataProfile:
        names = [column.name for column in [*self.columns, *([self.target] if self.target else [])]]
        problem = column_name_problem(names)
        if problem is not None:
            raise ValueError(f"the profile {problem}")
        numeric = {column.name for column in self.columns if isinstance(column, NumericColumn)}
        if self.moments is not None and not set(self.moments.features) <= numeric:
            raise ValueError("the moments name features that are not numeric columns")
        return self

    def column(self, name: str) -> NumericColumn | CategoricalColumn:
        """The profile of feature ``name`` (or of the target).

        Example:
            >>> profile.column("island").frequencies
            {'Biscoe': 86, 'Dream': 62, 'Torgersen': 31}
        """
        for column in [*self.columns, *([self.target] if self.target else [])]:
            if column.name == name:
                return column
        names = ", ".join(column.name for column in self.columns)
        raise KeyError(f"no column '{name}' in the profile; columns: {names}")

    def to_json(self) -> str:
        """The profile as compact JSON.

        Example:
            >>> profile.to_json()[:48]
            '{"format":"modelshare-data-profile","version":1,'
        """
        return self.model_dump_json()

    @classmethod
    def from_json(cls, text: str, source: str = "profile") -> DataProfile:
        """Parse a profile, or explain in one line why it is not one.

        Example:
            >>> text = Path("releases/penguin-species/data_profile.json").read_text()
            >>> DataProfile.from_json(text).rows
            179
        """
        try:
            return cls.model_validate_json(text)
        except ValidationError as error:
            raise InvalidInputError(
                f"{source} is not a modelshare data profile ({first_validation_error(error)}); "
                f"pass a {PROFILE_FILE} written by `modelshare profile` or a release"
            ) from error

    @classmethod
    def load(cls, path: Path) -> DataProfile:
        """Read a profile from ``path``.

        Example:
            >>> path = Path("releases/penguin-species/data_profile.json")
            >>> DataProfile.load(path).privacy.k_anonymity
            10
        """
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise InvalidInputError(f"cannot read {path} ({error}); check the path") from error
        return cls.from_json(text, source=str(path))
