"""The training-data profile: a compact, privacy-safe, mergeable summary of a distribution.

Example:
    >>> from modelshare.profile import build_profile
    >>> profile = build_profile(X_train, y_train)
    >>> Path("data_profile.json").write_text(profile.to_json())
"""

from __future__ import annotations

from modelshare.layout import PROFILE_FILE
from modelshare.profile.api import build_profile, profile_file, profile_source
from modelshare.profile.builder import ProfileBuilder, merge_builders
from modelshare.profile.card import render_distribution_section
from modelshare.profile.columns import ColumnPlan, plan_columns, plan_from_frame
from modelshare.profile.model import (
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
    "profile_file",
    "profile_source",
    "render_distribution_section",
]
