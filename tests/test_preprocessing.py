"""Preprocessing steps read from fitted pipelines, as they end up in the release record."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.compose import ColumnTransformer, make_column_selector
from sklearn.datasets import load_diabetes, load_wine
from sklearn.decomposition import PCA
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.feature_selection import SelectKBest, VarianceThreshold
from sklearn.impute import KNNImputer, SimpleImputer
from sklearn.kernel_approximation import Nystroem
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline, make_pipeline
from sklearn.preprocessing import (
    FunctionTransformer,
    KBinsDiscretizer,
    MinMaxScaler,
    OneHotEncoder,
    OrdinalEncoder,
    PolynomialFeatures,
    RobustScaler,
    StandardScaler,
)

from modelshare.penguins import CATEGORICAL_FEATURES, NUMERIC_FEATURES
from modelshare.preprocessing import (
    constructor_params,
    describe_preprocessing,
    json_safe,
    non_default_params,
)

WINE_TOP_5_BY_F_TEST = [
    "alcohol",
    "flavanoids",
    "color_intensity",
    "od280/od315_of_diluted_wines",
    "proline",
]


@pytest.fixture(scope="module")
def wine() -> tuple[pd.DataFrame, pd.Series]:
    return load_wine(return_X_y=True, as_frame=True)


@pytest.fixture(scope="module")
def diabetes() -> tuple[pd.DataFrame, pd.Series]:
    return load_diabetes(return_X_y=True, as_frame=True)


def test_penguin_pipeline_steps_in_order_with_their_columns(penguins):
    steps = describe_preprocessing(penguins.model)

    assert [(s.name, s.kind, s.estimator) for s in steps] == [
        ("features/num/imputer", "imputer", "SimpleImputer"),
        ("features/num/scaler", "scaler", "StandardScaler"),
        ("features/cat/imputer", "imputer", "SimpleImputer"),
        ("features/cat/onehot", "encoder", "OneHotEncoder"),
    ]
    assert [s.columns for s in steps] == [NUMERIC_FEATURES] * 2 + [CATEGORICAL_FEATURES] * 2
    assert all(s.source == "pipeline" and s.kept is None for s in steps)


def test_penguin_pipeline_steps_in_words(penguins):
    imputer, scaler, category_imputer, onehot = describe_preprocessing(penguins.model)

    assert imputer.method == "missing values replaced by the median learned on the training data"
    assert scaler.method == (
        "centred to mean 0 and scaled to unit variance, using the mean and standard deviation "
        "learned on the training data"
    )
    assert category_imputer.method == (
        "missing values replaced by the most frequent value learned on the training data"
    )
    assert onehot.method == (
        "one-hot encoded: island (3 categories), sex (2 categories); "
        "unknown categories are encoded as all zeros"
    )


def test_params_hold_only_what_was_changed(penguins):
    steps = describe_preprocessing(penguins.model)

    assert [s.params for s in steps] == [
        {"strategy": "median"},
        {},
        {"strategy": "most_frequent"},
        {"handle_unknown": "ignore"},
    ]


def test_feature_selector_keeps_real_column_names(wine):
    X, y = wine
    model = make_pipeline(StandardScaler(), SelectKBest(k=5), LogisticRegression()).fit(X, y)

    scaler, selector = describe_preprocessing(model)

    assert (scaler.name, selector.name) == ("standardscaler", "selectkbest")
    assert selector.kind == "feature selector"
    assert selector.kept == WINE_TOP_5_BY_F_TEST
    assert selector.columns == list(X.columns)
    assert selector.method == "kept 5 of 13 features: those with the highest f_classif scores"
    assert selector.params == {"k": 5}


def test_selector_after_unnamed_features_falls_back_to_positions(wine):
    X, y = wine
    model = make_pipeline(StandardScaler(), SelectKBest(k=5), LogisticRegression()).fit(
        X.to_numpy(), y
    )

    selector = describe_preprocessing(model)[1]

    positions = [list(X.columns).index(name) for name in WINE_TOP_5_BY_F_TEST]
    assert selector.kept == [f"x{position}" for position in positions]


def test_column_selector_remainder_and_dropped_columns(diabetes):
    X, y = diabetes
    features = ColumnTransformer(
        [
            ("serum", RobustScaler(), make_column_selector(pattern="^s[1-3]$")),
            ("unused", "drop", ["s6"]),
        ],
        remainder="passthrough",
    )
    model = Pipeline(
        [("features", features), ("regressor", HistGradientBoostingRegressor(max_iter=5))]
    ).fit(X, y)

    serum, remainder = describe_preprocessing(model)

    assert (serum.name, serum.columns) == ("features/serum", ["s1", "s2", "s3"])
    assert serum.method == (
        "centred on the median and scaled by the 25th–75th percentile range "
        "learned on the training data"
    )
    assert remainder.name == "features/remainder"
    assert remainder.kind == "passthrough"
    assert remainder.columns == ["age", "sex", "bmi", "bp", "s4", "s5"]


def test_positions_and_masks_map_to_input_names(wine):
    X, y = wine
    mask = np.isin(X.columns, ["hue", "proline"])
    features = ColumnTransformer(
        [("first", MinMaxScaler(feature_range=(-1, 1)), [0, 1]), ("masked", StandardScaler(), mask)]
    )
    model = make_pipeline(features, LogisticRegression()).fit(X, y)

    first, masked = describe_preprocessing(model)

    assert first.columns == ["alcohol", "malic_acid"]
    assert first.method.startswith("rescaled to the range [-1, 1]")
    assert first.params == {"feature_range": [-1, 1]}
    assert masked.columns == ["hue", "proline"]


def test_feature_union_branches_share_their_input(wine):
    X, y = wine
    union = FeatureUnion([("pca", PCA(n_components=2)), ("variance", VarianceThreshold(0.05))])
    model = Pipeline(
        [("scale", MinMaxScaler()), ("union", union), ("classifier", LogisticRegression())]
    ).fit(X, y)

    _, pca, variance = describe_preprocessing(model)

    assert (pca.name, pca.kind) == ("union/pca", "dimensionality reduction")
    assert pca.method == "13 features projected onto 2 components by PCA"
    assert pca.columns == list(X.columns)
    assert variance.kind == "feature selector"
    assert variance.kept == ["nonflavanoid_phenols", "od280/od315_of_diluted_wines", "proline"]
    assert variance.method == "kept 3 of 13 features: those whose training variance is above 0.05"


def test_selector_after_column_transformer_sees_its_output_names(penguins):
    features = penguins.model[:-1]
    selector = VarianceThreshold(0.2).fit(features.transform(penguins.X_train))
    chained = Pipeline([*features.steps, ("select", selector), penguins.model.steps[-1]])

    step = describe_preprocessing(chained)[-1]

    assert step.name == "select"
    assert step.columns == list(features.get_feature_names_out())
    assert step.kept == [f"num__{name}" for name in NUMERIC_FEATURES] + [
        "cat__island_Biscoe",
        "cat__island_Dream",
        "cat__sex_female",
        "cat__sex_male",
    ]
    assert step.method == "kept 8 of 9 features: those whose training variance is above 0.2"


@pytest.mark.parametrize(
    ("transformer", "kind", "method"),
    [
        (
            StandardScaler(with_mean=False),
            "scaler",
            "scaled to unit variance by the standard deviation learned on the training data "
            "(not centred)",
        ),
        (
            KNNImputer(n_neighbors=3, weights="distance"),
            "imputer",
            "missing values replaced by the distance-weighted mean of the 3 nearest training rows",
        ),
        (
            SimpleImputer(strategy="constant", fill_value=-1.0, add_indicator=True),
            "imputer",
            "missing values replaced by the constant -1.0; an indicator column marks the values "
            "that were missing",
        ),
        (
            PolynomialFeatures(degree=2, interaction_only=True, include_bias=False),
            "feature construction",
            "interaction terms up to degree 2: 2 features become 3",
        ),
        (
            KBinsDiscretizer(n_bins=3, encode="ordinal", strategy="uniform"),
            "discretizer",
            "each column cut into 3 uniform bins learned on the training data, encoded as ordinal",
        ),
        (FunctionTransformer(np.log1p), "function", "applies numpy.log1p"),
        (FunctionTransformer(), "passthrough", "columns passed on unchanged"),
        (Nystroem(n_components=3, random_state=0), "transformer", "applies Nystroem"),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, BaseEstimator) else None,
)
def test_numeric_transformers_in_words(wine, transformer, kind, method):
    X, y = wine
    columns = ["alcohol", "hue"]
    model = make_pipeline(transformer, LogisticRegression(max_iter=5000)).fit(X[columns], y)

    (step,) = describe_preprocessing(model)

    assert (step.kind, step.method, step.columns) == (kind, method, columns)


def test_encoders_count_categories_per_column(penguins):
    X = penguins.X_train[CATEGORICAL_FEATURES].fillna("unknown")
    onehot = OneHotEncoder(drop="first", handle_unknown="error").fit(X)
    ordinal = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1).fit(X)

    (onehot_step,) = describe_preprocessing(onehot)
    (ordinal_step,) = describe_preprocessing(ordinal)

    assert onehot_step.name == "onehotencoder"
    assert onehot_step.method == (
        "one-hot encoded: island (3 categories), sex (3 categories); unknown categories raise "
        "an error; the first category of each column is dropped"
    )
    assert ordinal_step.method == (
        "categories mapped to integers 0…k-1: island (3 categories), sex (3 categories); "
        "unknown categories are encoded as -1"
    )


def test_a_bare_estimator_has_no_preprocessing(wine):
    X, y = wine
    assert describe_preprocessing(LogisticRegression().fit(X[["alcohol", "hue"]], y)) == []


def test_json_safe_values():
    values = {
        "nan": float("nan"),
        "inf": -math.inf,
        "numpy": np.float32(0.5),
        "integers": (np.int64(1), 2),
        "array": np.array([[1, 2]]),
        "estimator": LogisticRegression(),
        "function": np.log1p,
        "class": np.float64,
        "slice": slice(1, 2),
    }

    assert json_safe(values) == {
        "nan": "nan",
        "inf": "-inf",
        "numpy": 0.5,
        "integers": [1, 2],
        "array": [[1, 2]],
        "estimator": "LogisticRegression",
        "function": "numpy.log1p",
        "class": "numpy.float64",
        "slice": "slice(1, 2, None)",
    }


class Wrapper(BaseEstimator):
    """An estimator whose default parameter is itself an estimator."""

    def __init__(self, inner=StandardScaler(), weights=np.array([1.0, np.nan])):  # noqa: B008
        self.inner = inner
        self.weights = weights


def test_defaults_compare_by_value_not_identity():
    assert non_default_params(SimpleImputer(missing_values=float("nan"))) == {}
    assert non_default_params(Wrapper(StandardScaler(), np.array([1.0, np.nan]))) == {}
    assert non_default_params(Wrapper(StandardScaler(with_mean=False))) == {
        "inner": "StandardScaler"
    }
    assert non_default_params(Wrapper(weights=np.array([1.0, 2.0]))) == {"weights": [1.0, 2.0]}


def test_constructor_params_give_value_default_and_flag():
    params = {p.name: p for p in constructor_params(LogisticRegression(C=0.5))}

    assert (params["C"].value, params["C"].default, params["C"].non_default) == (0.5, 1.0, True)
    assert not params["max_iter"].non_default
    assert len(params) == len(LogisticRegression().get_params())


class _BoosterModel(BaseEstimator):
    """The pattern of XGBoost's estimators: the parent declares every parameter..."""

    def __init__(self, max_depth: int | None = None, base_score: float | None = None) -> None:
        self.max_depth = max_depth
        self.base_score = base_score


class _BoosterClassifier(_BoosterModel, ClassifierMixin):
    """...and the classifier takes them through ``**kwargs``, reporting them all."""

    def __init__(self, *, objective: str = "binary:logistic", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.objective = objective
        self.extra = kwargs.get("extra")

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {
            "objective": self.objective,
            "max_depth": self.max_depth,
            "base_score": self.base_score,
            "extra": self.extra,
        }


def test_a_parameter_passed_on_through_kwargs_has_its_parent_default() -> None:
    params = {p.name: p for p in constructor_params(_BoosterClassifier(max_depth=4))}

    assert [name for name, p in params.items() if p.non_default] == ["max_depth"]
    assert (params["base_score"].default, params["base_score"].non_default) == (None, False)
    assert params["extra"].default_known is False
    assert params["extra"].non_default is False
    assert all(p.default_known for name, p in params.items() if name != "extra")
