"""The training-data profile: a compact, privacy-safe, mergeable summary of a distribution.

Example:
    >>> from modelshare.profiling import build_profile
    >>> profile = build_profile(X_train, y_train)
    >>> _ = Path("data_profile.json").write_text(profile.to_json())
    >>> DataProfile.load(Path("data_profile.json")).target.frequencies
    {'Adelie': 80, 'Gentoo': 64, 'Chinstrap': 35}
"""

from __future__ import annotations

from modelshare.layout import PROFILE_FILE
from modelshare.profiling.api import build_profile, profile, profile_file, profile_source
from modelshare.profiling.builder import ProfileBuilder, merge_builders
from modelshare.profiling.card import render_distribution_section
from modelshare.profiling.columns import ColumnPlan, plan_columns, plan_from_frame
from modelshare.profiling.model import (
    CategoricalColumn,
    DataProfile,
    Histogram,
    Moments,
    NumericColumn,
    QuantileGrid,
)

__all__ = [
    "PROFILE_FILE",
    "CategoricalColumn",
    "ColumnPlan",
    "DataProfile",
    "Histogram",
    "Moments",
    "NumericColumn",
    "ProfileBuilder",
    "QuantileGrid",
    "build_profile",
    "merge_builders",
    "plan_columns",
    "plan_from_frame",
    "profile",
    "profile_file",
    "profile_source",
    "render_distribution_section",
]
