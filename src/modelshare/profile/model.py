"""The privacy-safe data profile as pydantic models: what ``data_profile.json`` holds.

A profile describes each column's distribution without any row: numeric columns by counts,
moments, a grid of clipped quantiles and a histogram; categorical columns by the frequencies of
categories seen at least k times; plus the class balance of the target and the joint moments
that multivariate out-of-distribution scores need. What was withheld is listed in ``privacy``.

Example:
    >>> profile = DataProfile.load(Path("releases/x/data_profile.json"))
    >>> profile.column("bill_length_mm").quantiles.median()
    44.5
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from modelshare.errors import UsageError, first_validation_error

PROFILE_FORMAT = "modelshare-data-profile"
PROFILE_VERSION = 1


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class QuantileGrid(_Model):
    """Quantiles at evenly spaced ranks, from ``rank_start`` in steps of ``rank_step``.

    ``rank_error`` is the quantile sketch's normalized rank error (99 % confidence, 0 when the
    sketch was exact): the true rank of ``values[i]`` is within ``rank_error`` of its grid rank.
    """

    rank_start: float
    rank_step: float
    values: list[float]
    rank_error: float

    def ranks(self) -> np.ndarray:
        """The grid's ranks, one per value.

        Example:
            >>> grid.ranks()[:3]
            array([0.01 , 0.011, 0.012])
        """
        return self.rank_start + self.rank_step * np.arange(len(self.values))

    def quantile(self, rank: float) -> float:
        """The value at ``rank``, interpolated between grid points (clamped to the grid).

        Example:
            >>> profile.column("body_mass_g").quantiles.quantile(0.5)
            4050.0
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
            >>> grid.cdf(np.array([grid.median()]))
            array([0.5])
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
            >>> grid.median()
            44.5
        """
        return self.quantile(0.5)


class Histogram(_Model):
    """Row counts in equal-width bins between the clipped extremes, and the rows outside them."""

    edges: list[float]
    counts: list[int]
    below: int = Field(description="rows below the first edge (not binned, for privacy)")
    above: int = Field(description="rows above the last edge (not binned, for privacy)")


class NumericColumn(_Model):
    """A numeric column: counts, moments, clipped quantiles and a histogram.

    ``mean``, ``std``, ``quantiles`` and ``histogram`` are ``None`` when the column has fewer
    than k values.
    """

    name: str
    kind: Literal["numeric"] = "numeric"
    count: int = Field(description="non-missing values")
    missing: int
    mean: float | None = None
    std: float | None = None
    quantiles: QuantileGrid | None = None
    histogram: Histogram | None = None

    def robust_scale(self) -> float:
        """The spread used to normalise distances: IQR / 1.349, else the std, else 0.

        For normal data both equal the standard deviation; the IQR is unmoved by outliers.

        Example:
            >>> profile.column("flipper_length_mm").robust_scale()
            10.4
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
    count: int = Field(description="non-missing values")
    missing: int
    distinct: int = Field(description="distinct non-missing values (HyperLogLog estimate)")
    frequencies: dict[str, int] = Field(description="published categories, most frequent first")
    other: int = Field(description="rows of every category not published")
    other_categories: int = Field(description="how many categories are counted in 'other'")
    count_error: int = Field(0, description="largest possible undercount of a published count")

    def shares(self) -> dict[str, float]:
        """Each published category's share of the non-missing values.

        Example:
            >>> profile.target.shares()
            {'Adelie': 0.44, 'Gentoo': 0.36, 'Chinstrap': 0.2}
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
    count: int
    mean: list[float]
    std: list[float]
    correlation: list[list[float]]
    shrinkage: float

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

    k_anonymity: int = Field(description="every published number describes at least k rows")
    quantile_clip: float = Field(description="ranks below this and above 1 minus this withheld")
    withheld: list[str] = Field(description="what was withheld, one sentence each")


class DataProfile(_Model):
    """A privacy-safe summary of a dataset's distribution: ``data_profile.json``."""

    format: Literal["modelshare-data-profile"] = PROFILE_FORMAT
    version: Literal[1] = PROFILE_VERSION
    rows: int
    columns: list[ColumnProfile]
    target: ColumnProfile | None = None
    moments: Moments | None = None
    skipped: dict[str, str] = Field(
        default_factory=dict, description="columns not profiled, with the reason"
    )
    privacy: Privacy

    def column(self, name: str) -> NumericColumn | CategoricalColumn:
        """The profile of feature ``name`` (or of the target).

        Example:
            >>> profile.column("island").frequencies
            {'Biscoe': 133, 'Dream': 96}
        """
        for column in [*self.columns, *([self.target] if self.target else [])]:
            if column.name == name:
                return column
        names = ", ".join(column.name for column in self.columns)
        raise KeyError(f"no column '{name}' in the profile; columns: {names}")

    def to_json(self) -> str:
        """The profile as compact JSON.

        Example:
            >>> Path("data_profile.json").write_text(profile.to_json())
        """
        return self.model_dump_json()

    @classmethod
    def from_json(cls, text: str, source: str = "profile") -> DataProfile:
        """Parse a profile, or explain in one line why it is not one.

        Example:
            >>> DataProfile.from_json(Path("data_profile.json").read_text()).rows
            273
        """
        try:
            return cls.model_validate_json(text)
        except ValidationError as error:
            raise UsageError(
                f"{source} is not a modelshare data profile ({first_validation_error(error)}); "
                "pass a data_profile.json written by `modelshare profile` or a release"
            ) from error

    @classmethod
    def load(cls, path: Path) -> DataProfile:
        """Read a profile from ``path``.

        Example:
            >>> DataProfile.load(Path("releases/x/data_profile.json")).privacy.k_anonymity
            10
        """
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise UsageError(f"cannot read {path} ({error}); check the path") from error
        return cls.from_json(text, source=str(path))
