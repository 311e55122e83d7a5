"""The bundled example: a species classifier trained on the Palmer penguins data.

The data ships with the ``palmerpenguins`` package, so nothing is downloaded. Training uses the
2007 and 2008 field seasons with a stratified hold-out; the 2009 season is kept apart as a second
evaluation set, to show how the model does on a later year.

Example:
    >>> example = train_penguin_classifier()
    >>> example.model.score(example.X_test, example.y_test) > 0.9
    True
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

NUMERIC_FEATURES = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]
CATEGORICAL_FEATURES = ["island", "sex"]
TARGET = "species"
TEST_SIZE = 0.2
SEED = 0
HELD_OUT_YEAR = 2009


@dataclass
class PenguinExample:
    """A fitted pipeline with the data it was trained and evaluated on."""

    model: Pipeline
    X_train: pd.DataFrame
    y_train: pd.Series
    X_test: pd.DataFrame
    y_test: pd.Series
    X_later: pd.DataFrame
    y_later: pd.Series


def load_penguins() -> pd.DataFrame:
    """The Palmer penguins table (344 rows) from the ``palmerpenguins`` package."""
    from palmerpenguins import load_penguins as _load

    return _load()


def penguin_pipeline() -> Pipeline:
    """An unfitted pipeline: imputation, scaling, one-hot encoding, logistic regression."""
    numeric = Pipeline(
        [("imputer", SimpleImputer(strategy="median")), ("scaler", StandardScaler())]
    )
    categorical = Pipeline(
        [
            ("imputer", SimpleImputer(strategy="most_frequent")),
            ("onehot", OneHotEncoder(handle_unknown="ignore")),
        ]
    )
    features = ColumnTransformer(
        [("num", numeric, NUMERIC_FEATURES), ("cat", categorical, CATEGORICAL_FEATURES)]
    )
    classifier = LogisticRegression(C=0.5, max_iter=1000, random_state=SEED)
    return Pipeline([("features", features), ("classifier", classifier)])


def train_penguin_classifier() -> PenguinExample:
    """Train the example classifier on 2007–2008 and keep 2009 as a second evaluation set."""
    data = load_penguins()
    features = NUMERIC_FEATURES + CATEGORICAL_FEATURES
    earlier = data[data["year"] < HELD_OUT_YEAR]
    later = data[data["year"] == HELD_OUT_YEAR]
    X_train, X_test, y_train, y_test = train_test_split(
        earlier[features],
        earlier[TARGET],
        test_size=TEST_SIZE,
        stratify=earlier[TARGET],
        random_state=SEED,
    )
    model = penguin_pipeline().fit(X_train, y_train)
    return PenguinExample(model, X_train, y_train, X_test, y_test, later[features], later[TARGET])
