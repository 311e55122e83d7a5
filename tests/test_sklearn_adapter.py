"""The scikit-learn adapter: what it accepts, what it reads, and how models are saved and loaded."""

from __future__ import annotations

import operator
import pickle
import re
import zipfile
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans
from sklearn.compose import ColumnTransformer, make_column_selector
from sklearn.datasets import load_diabetes, load_wine
from sklearn.ensemble import HistGradientBoostingRegressor, RandomForestClassifier
from sklearn.feature_selection import SelectFromModel
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from modelshare.errors import InvalidInputError, ModelshareError, UnsafeContentError
from modelshare.models.sklearn import (
    SUPPORTED,
    check_supported,
    describe_model,
    fitted_columns,
    load_model,
    model_modules,
    random_seeds,
    save_model,
    task_of,
)
from modelshare.penguins import PenguinExample, penguin_pipeline
from modelshare.preprocessing import json_safe
from modelshare.release import Release

PICKLE_REFUSAL = (
    "{name} is a pickle, which runs code when loaded; "
    "save the model with skops: skops.io.dump(model, 'model.skops')"
)
TREE_PREDICTOR = "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor"


@pytest.fixture(scope="module")
def diabetes_regressor() -> tuple[Pipeline, pd.DataFrame]:
    """A regressor whose columns are chosen by dtype, trained on the diabetes data."""
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    features = ColumnTransformer(
        [("numeric", StandardScaler(), make_column_selector(dtype_include="number"))]
    )
    regressor = HistGradientBoostingRegressor(max_iter=30, learning_rate=0.2, random_state=7)
    model = Pipeline([("features", features), ("regressor", regressor)]).fit(X, y)
    return model, X


@pytest.fixture(scope="module")
def wine() -> tuple[pd.DataFrame, pd.Series]:
    return load_wine(return_X_y=True, as_frame=True)


# what is accepted ------------------------------------------------------------------------------


def test_the_penguin_pipeline_is_supported(penguins):
    check_supported(penguins.model)
    assert task_of(penguins.model) == "classification"


def test_a_regressor_is_supported(diabetes_regressor):
    model, _ = diabetes_regressor
    check_supported(model)
    assert task_of(model) == "regression"


def test_a_dict_is_refused_with_what_is_supported():
    with pytest.raises(ModelshareError) as error:
        check_supported({"weights": [1, 2]})
    assert str(error.value) == (
        "unsupported model type 'builtins.dict': modelshare supports fitted scikit-learn "
        "estimators and Pipelines (classifiers and regressors)"
    )


def test_an_unfitted_pipeline_is_refused():
    with pytest.raises(ModelshareError, match=r"^the model is not fitted: call \.fit\(X, y\)"):
        check_supported(penguin_pipeline())


@pytest.mark.parametrize(
    "model",
    [KMeans(n_clusters=3, n_init=1, random_state=0), StandardScaler()],
    ids=["clusterer", "transformer"],
)
def test_models_that_neither_classify_nor_regress_are_refused(wine, model):
    X, _ = wine
    model.fit(X)
    with pytest.raises(ModelshareError) as error:
        check_supported(model)
    message = str(error.value)
    assert message.startswith(f"unsupported model type '{type(model).__module__}.")
    assert "neither a classifier nor a regressor" in message
    assert message.endswith(f"modelshare supports {SUPPORTED}")


# what is read ---------------------------------------------------------------------------------


def test_penguin_model_facts(penguins):
    facts = describe_model(penguins.model)

    assert facts.framework == "scikit-learn"
    assert facts.estimator == "LogisticRegression"
    assert facts.estimator_path == "sklearn.linear_model._logistic.LogisticRegression"
    assert facts.task == "classification"
    assert facts.steps == ["features: ColumnTransformer", "classifier: LogisticRegression"]
    assert facts.classes == ["Adelie", "Chinstrap", "Gentoo"]
    assert facts.feature_names_in == list(penguins.X_train.columns)
    assert (facts.file, facts.size_bytes, facts.trusted_types) == ("model.skops", 0, [])


def test_non_default_hyperparameters_are_flagged_exactly(penguins):
    hyperparameters = {h.name: h for h in describe_model(penguins.model).hyperparameters}

    assert {name for name, h in hyperparameters.items() if h.non_default} == {
        "C",
        "max_iter",
        "random_state",
    }
    assert (hyperparameters["C"].value, hyperparameters["C"].default) == (0.5, 1.0)
    assert (hyperparameters["max_iter"].value, hyperparameters["max_iter"].default) == (1000, 100)
    assert (hyperparameters["random_state"].value, hyperparameters["random_state"].default) == (
        0,
        None,
    )
    assert not hyperparameters["penalty"].non_default
    assert set(hyperparameters) == set(LogisticRegression().get_params())


def test_regressor_facts(diabetes_regressor):
    model, X = diabetes_regressor
    facts = describe_model(model)

    assert facts.estimator == "HistGradientBoostingRegressor"
    assert facts.task == "regression"
    assert facts.classes is None
    assert facts.feature_names_in == list(X.columns)
    flagged = {h.name: h.value for h in facts.hyperparameters if h.non_default}
    assert flagged == {"max_iter": 30, "learning_rate": 0.2, "random_state": 7}


def test_a_bare_estimator_is_its_own_outline(wine):
    X, y = wine
    facts = describe_model(LogisticRegression().fit(X[["alcohol", "hue"]].to_numpy(), y))

    assert facts.steps == ["LogisticRegression"]
    assert facts.feature_names_in is None
    assert facts.classes == ["0", "1", "2"]


def test_seeds_are_found_by_parameter_path(penguins):
    selector = SelectFromModel(RandomForestClassifier(random_state=3))
    model = make_pipeline(selector, LogisticRegression(random_state=np.random.RandomState(1)))

    assert random_seeds(penguins.model) == {"classifier__random_state": 0}
    assert random_seeds(model) == {"selectfrommodel__estimator__random_state": 3}


def test_modules_are_those_the_model_needs_to_load(penguins):
    custom = make_pipeline(FunctionTransformer(json_safe), LogisticRegression())
    standard_library = make_pipeline(FunctionTransformer(operator.neg), LogisticRegression())

    assert model_modules(penguins.model) == {"sklearn", "numpy", "scipy", "skops"}
    assert model_modules(custom) == {"sklearn", "numpy", "scipy", "skops", "modelshare"}
    assert model_modules(standard_library) == {"sklearn", "numpy", "scipy", "skops"}


# saving and loading ---------------------------------------------------------------------------


def test_skops_round_trip_predicts_the_same(penguins, tmp_path):
    path = tmp_path / "model.skops"
    needed = save_model(penguins.model, path)
    loaded = load_model(path)

    assert needed == ["numpy.dtype"]
    np.testing.assert_array_equal(
        loaded.predict(penguins.X_later), penguins.model.predict(penguins.X_later)
    )
    np.testing.assert_array_equal(
        loaded.predict_proba(penguins.X_test), penguins.model.predict_proba(penguins.X_test)
    )


def test_tree_models_load_only_when_the_caller_trusts_their_risky_type(
    diabetes_regressor, tmp_path
):
    model, X = diabetes_regressor
    path = tmp_path / "regressor.bin"
    needed = save_model(model, path)

    assert TREE_PREDICTOR in needed
    with pytest.raises(UnsafeContentError) as refusal:
        load_model(path)
    message = str(refusal.value)
    assert message.startswith(
        f"regressor.bin needs types modelshare does not trust by default: {TREE_PREDICTOR} "
        "(holds node indices that compiled scikit-learn code follows without bounds checks"
    )
    assert f"--trust {TREE_PREDICTOR}" in message and "\n" not in message
    np.testing.assert_array_equal(load_model(path, [TREE_PREDICTOR]).predict(X), model.predict(X))


def test_a_users_skops_file_with_other_types_is_refused(wine, tmp_path):
    X, y = wine
    model = make_pipeline(
        StandardScaler(), FunctionTransformer(operator.neg), LogisticRegression()
    ).fit(X, y)
    path = tmp_path / "model.skops"
    save_model(model, path)

    with pytest.raises(
        UnsafeContentError,
        match=r"^model\.skops needs types .*: _operator\.neg \(_operator calls or builds any",
    ):
        load_model(path)


@pytest.mark.parametrize(
    ("name", "write"),
    [
        ("model.pkl", lambda model, path: path.write_bytes(pickle.dumps(model))),
        ("model.pickle", lambda model, path: path.write_bytes(pickle.dumps(model, protocol=0))),
        ("model.joblib", lambda model, path: joblib.dump(model, path)),
        ("compressed.joblib", lambda model, path: joblib.dump(model, path, compress=3)),
        ("gzipped.joblib", lambda model, path: joblib.dump(model, path, compress=("gzip", 3))),
        ("disguised.skops", lambda model, path: path.write_bytes(pickle.dumps(model))),
    ],
)
def test_pickle_and_joblib_files_are_refused(penguins, tmp_path, name, write):
    path = tmp_path / name
    write(penguins.model, path)

    with pytest.raises(ModelshareError) as error:
        load_model(path)
    assert str(error.value) == PICKLE_REFUSAL.format(name=name)


def test_files_that_are_not_skops_are_refused(tmp_path):
    text = tmp_path / "model.skops"
    text.write_text("weights: [1, 2, 3]\n")
    archive = tmp_path / "archive.skops"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("weights.npy", b"\x93NUMPY")

    with pytest.raises(ModelshareError, match=r"^model\.skops is not a skops file; save the"):
        load_model(text)
    with pytest.raises(ModelshareError, match=r"^archive\.skops is a zip archive but not a"):
        load_model(archive)
    with pytest.raises(ModelshareError, match=r"^model file not found: .*missing\.skops$"):
        load_model(tmp_path / "missing.skops")


def test_data_without_the_columns_the_model_was_fitted_on_is_refused_by_name(
    penguins: PenguinExample, tmp_path: Path
) -> None:
    numeric = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm"]
    X = penguins.X_train[[*numeric, "body_mass_g"]].dropna()
    y = penguins.y_train[X.index]
    by_position = LogisticRegression(max_iter=1000).fit(X[numeric].to_numpy(), y)
    by_name = LogisticRegression(max_iter=1000).fit(X[numeric], y)

    for model, data, expected in [
        (by_position, X, "fitted on 3 columns, the data has 4 (bill_length_mm, "),
        (by_name, X.drop(columns="flipper_length_mm"), "lacks columns the model was fitted on: fl"),
    ]:
        release = Release("few-columns", license="mit").training_data(data, y, name="penguins")
        with pytest.raises(InvalidInputError, match=re.escape(expected)):
            release.model(model).save(tmp_path / "release")
        assert not (tmp_path / "release").exists()
    as_read = fitted_columns(by_name, X[["body_mass_g", *reversed(numeric)]])
    assert list(as_read.columns) == numeric  # in the fitted order, the unread column left out
