"""The card is measured, not typed: every sentence and table cell that states a measurable fact
is checked against the record and against the same fact recomputed here, from the data and the
model the test holds, for releases of every kind modelshare makes (binary, multiclass and
regression scikit-learn models, with and without missing values, a PyTorch network and a
transformers text classifier). ``modelshare check`` is then held to the record: what it calls
present has its evidence there, what it calls missing is absent from it.

The card is parsed with the small helpers below: :func:`section` cuts a ``## `` section,
:func:`tables` splits its Markdown tables into rows of cells, :func:`number` reads a number as
the card prints it. Each check compares the card's text with the recomputed value rounded the
way the card rounds it.
"""

from __future__ import annotations

import ast
import importlib.metadata
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from huggingface_hub import ModelCard
from packaging.specifiers import SpecifierSet
from packaging.version import Version
from sklearn import datasets as skdata
from sklearn import metrics as skm
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

import modelshare
from modelshare import Release
from modelshare.audit.check import audit_card, check_path
from modelshare.audit.record_evidence import TEXT_FIELDS, field_value
from modelshare.bundle import Bundle
from modelshare.layout import slug
from modelshare.penguins import train_penguin_classifier
from modelshare.record import ReleaseRecord

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")


from tests.networks import PenguinNet  # noqa: E402
from tests.reviews import HELD_OUT, REVIEWS, train_review_classifier  # noqa: E402
from tests.torch_steps import SPECIES, measurements, train_penguin_net  # noqa: E402

NET_CONFIG = {"n_features": 4, "hidden": 8, "n_classes": 3, "dropout": 0.2}
RESAMPLES = 200
"""Bootstrap resamples of the releases built here: the intervals are checked against the record."""


# --- the releases -------------------------------------------------------------------------


@dataclass
class Built:
    """A saved release with what the test holds to recompute its facts: the training data and
    every evaluation dataset as given (``X``, ``y``, split), and ``predict``, which returns the
    model's labels or values for data in the form given."""

    kind: str
    bundle: Bundle
    X_train: Any
    y_train: Any
    evaluations: dict[str, tuple[Any, Any, str]]
    predict: Callable[[Any], np.ndarray]
    estimator: Any = None
    proba: Callable[[Any], np.ndarray] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def path(self) -> Path:
        return self.bundle.path

    @property
    def record(self) -> ReleaseRecord:
        return self.bundle.record

    @property
    def card(self) -> str:
        return (self.path / "README.md").read_text(encoding="utf-8")


def _describe(rel: Release) -> Release:
    """Every human fact, so that what the audit finds missing is what the record lacks."""
    return rel.describe(
        intended_use="Testing that a card states only true facts.",
        out_of_scope="Any real decision.",
        limitations="Small data, trained in seconds.",
        ethical_considerations="No people are described by the data.",
        acknowledgments="The maintainers of the bundled datasets.",
        citation="modelshare test release",
    )


def _evaluate_and_save(rel: Release, evaluations: dict, folder: Path) -> Bundle:
    """Evaluate ``rel`` on every dataset of ``evaluations`` and save it under ``folder``."""
    for name, (X, y, split) in evaluations.items():
        rel.evaluate(X, y, dataset=name, split=split)
    return rel.bootstrap(resamples=RESAMPLES).save(folder / rel.name)


def _sklearn(kind: str, rel: Release, model: Any, X_train, y_train, evaluations, folder: Path):
    rel.model(model)
    bundle = _evaluate_and_save(rel, evaluations, folder)
    proba = model.predict_proba if hasattr(model, "predict_proba") else None
    return Built(kind, bundle, X_train, y_train, evaluations, model.predict, model, proba)


def build_binary(folder: Path) -> Built:
    """Breast cancer: a scaled logistic regression, no missing value, two evaluation datasets,
    the second sharing ten rows with the training data."""
    data = skdata.load_breast_cancer(as_frame=True)
    X = data.data.iloc[:, :8]
    y = data.target.map({0: "malignant", 1: "benign"}).rename("diagnosis")
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)
    X_overlap = pd.concat([X_test.iloc[:40], X_train.iloc[:10]])
    y_overlap = pd.concat([y_test.iloc[:40], y_train.iloc[:10]])
    model = make_pipeline(StandardScaler(), LogisticRegression(C=0.3, max_iter=500))
    model.fit(X_train, y_train)
    rel = Release("cancer-binary", license="mit", authors=["A. Tester"], contact="t@example.org")
    rel.training_data(
        X_train,
        y_train,
        name="breast cancer",
        source="scikit-learn",
        license="CC-BY-4.0",
        owner="UCI",
        collection="biopsies",
        consent="n/a",
    )
    rel.split("random hold-out", test_size=0.3, random_state=0)
    evaluations = {
        "cancer-test": (X_test, y_test, "test"),
        "cancer-mixed": (X_overlap, y_overlap, "validation"),
    }
    return _sklearn("binary", _describe(rel), model, X_train, y_train, evaluations, folder)


def build_penguins(bundle: Bundle) -> Built:
    """The quick start (the session's): penguins with missing values, a multiclass pipeline,
    two evaluation datasets, declared steps and a waiver."""
    example = train_penguin_classifier()
    evaluations = {
        "penguins-test": (example.X_test, example.y_test, "test"),
        "penguins-2009": (example.X_later, example.y_later, "test"),
    }
    model = example.model
    return Built(
        "multiclass-missing",
        bundle,
        example.X_train,
        example.y_train,
        evaluations,
        model.predict,
        model,
        model.predict_proba,
    )


def build_wine(folder: Path) -> Built:
    """Wine: an imbalanced multiclass random forest (one class cut to ten rows), no missing
    value, one evaluation dataset."""
    data = skdata.load_wine(as_frame=True)
    X, y = data.data.iloc[:, :6], data.target.map(lambda c: f"cultivar_{c}").rename("cultivar")
    keep = (y != "cultivar_2") | (y.groupby(y).cumcount() < 15)
    X, y = X[keep], y[keep]
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.35, random_state=1, stratify=y
    )
    model = RandomForestClassifier(n_estimators=15, max_depth=3, random_state=0)
    model.fit(X_train, y_train)
    rel = Release("wine-cultivar", license="apache-2.0", authors=["A. Tester"])
    rel.training_data(X_train, y_train, name="wine")
    evaluations = {"wine-test": (X_test, y_test, "test")}
    built = _sklearn("multiclass-imbalanced", rel, model, X_train, y_train, evaluations, folder)
    built.extra["trusted"] = ["sklearn.tree._tree.Tree"]  # what loading a forest needs
    return built


def build_regression(folder: Path) -> Built:
    """Diabetes: a ridge regression, two evaluation datasets."""
    data = skdata.load_diabetes(as_frame=True)
    X, y = data.data, data.target.rename("progression")
    X_train, X_rest, y_train, y_rest = train_test_split(X, y, test_size=0.4, random_state=0)
    X_val, X_test, y_val, y_test = train_test_split(X_rest, y_rest, test_size=0.5, random_state=0)
    model = Ridge(alpha=0.5)
    model.fit(X_train, y_train)
    rel = Release("diabetes-progression", license="mit", authors=["A. Tester"])
    rel.training_data(X_train, y_train, name="diabetes")
    rel.split("random hold-out", test_size=0.4, random_state=0)
    evaluations = {
        "diabetes-validation": (X_val, y_val, "validation"),
        "diabetes-test": (X_test, y_test, "test"),
    }
    return _sklearn("regression", _describe(rel), model, X_train, y_train, evaluations, folder)


def build_torch(folder: Path) -> Built:
    """A PyTorch network on the four penguin measurements, two evaluation datasets."""
    example = train_penguin_classifier()
    X_train, y_train = measurements(example.X_train, example.y_train)
    X_test, y_test = measurements(example.X_test, example.y_test)
    X_later, y_later = measurements(example.X_later, example.y_later)
    net, optimizer = train_penguin_net(X_train, y_train, NET_CONFIG, epochs=15, lr=0.02)
    net.eval()
    rel = Release("penguin-net", license="mit", authors=["A. Tester"])
    rel.training_data(X_train, y_train, name="Palmer penguins")
    rel.model(net, task="classification", config=NET_CONFIG, classes=SPECIES)
    rel.training(optimizer=optimizer, epochs=15, batch_size=32, seed=0)
    evaluations = {
        "penguins-test": (X_test, y_test, "test"),
        "penguins-2009": (X_later, y_later, "test"),
    }
    bundle = _evaluate_and_save(rel, evaluations, folder)

    def proba(X: Any) -> np.ndarray:
        with torch.no_grad():
            return torch.softmax(net(torch.as_tensor(X)), 1).numpy()

    def predict(X: Any) -> np.ndarray:
        return np.array(SPECIES)[proba(X).argmax(1)]

    extra = {"model_class": PenguinNet}
    return Built("pytorch", bundle, X_train, y_train, evaluations, predict, net, proba, extra)


def build_transformers(folder: Path) -> Built:
    """A tiny BERT review classifier with its tokenizer, built offline; three evaluation
    datasets, one of them the training reviews repeated (declared ``train``)."""
    model, tokenizer, optimizer = train_review_classifier(epochs=30)
    texts = [text for text, _ in REVIEWS]
    rel = Release("review-sentiment", license="mit", authors=["A. Tester"])
    rel.training_data(texts, [y for _, y in REVIEWS], name="toy reviews")
    rel.model(model, tokenizer=tokenizer)
    rel.training(optimizer=optimizer, epochs=30, batch_size=len(REVIEWS), seed=0)
    evaluations = {
        "held-out reviews": ([t for t, _ in HELD_OUT], [y for _, y in HELD_OUT], "test"),
        "reviews": (texts * 3, [y for _, y in REVIEWS] * 3, "train"),
        "validation reviews": (
            [t for t, _ in HELD_OUT] * 5,
            [y for _, y in HELD_OUT] * 5,
            "validation",
        ),
    }
    bundle = _evaluate_and_save(rel, evaluations, folder)

    def proba(X: Any) -> np.ndarray:
        with torch.no_grad():
            logits = model(**tokenizer(list(X), padding=True, return_tensors="pt")).logits
        return torch.softmax(logits, 1).numpy()

    def predict(X: Any) -> np.ndarray:
        return np.array(["negative", "positive"])[proba(X).argmax(1)]

    return Built(
        "transformers", bundle, texts, [y for _, y in REVIEWS], evaluations, predict, model, proba
    )


BUILDERS = {
    "binary": build_binary,
    "multiclass-missing": build_penguins,
    "multiclass-imbalanced": build_wine,
    "regression": build_regression,
    "pytorch": build_torch,
    "transformers": build_transformers,
}


@pytest.fixture(scope="module", params=list(BUILDERS))
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Built:
    """Each kind of release, saved once for this module (the quick start once a session)."""
    if request.param == "multiclass-missing":
        return build_penguins(request.getfixturevalue("quickstart_bundle"))
    return BUILDERS[request.param](tmp_path_factory.mktemp(request.param))


# --- reading the card -----------------------------------------------------------------------


def section(card: str, heading: str) -> str:
    """The text under the heading ``heading`` (e.g. ``"## Evaluation"`` or ``"### Statistics"``)
    up to the next heading of the same or a higher level."""
    level = heading.split(" ")[0]
    match = re.search(
        rf"^{re.escape(heading)}\n(.*?)(?=^#{{1,{len(level)}}} |\Z)", card, re.M | re.S
    )
    assert match, f"the card has no {heading!r}"
    return match.group(1)


def tables(text: str) -> list[list[list[str]]]:
    """Every Markdown table of ``text``: rows of stripped cells, the header first, the
    ``|---|`` line left out."""
    found: list[list[list[str]]] = []
    current: list[list[str]] = []
    for line in [*text.split("\n"), ""]:
        if line.startswith("|") and line.endswith("|"):
            if not re.fullmatch(r"\|(-+\|)+", line):
                current.append([cell.strip() for cell in line[1:-1].split(" | ")])
        elif current:
            found.append(current)
            current = []
    return found


def table_with(text: str, header: str) -> list[dict[str, str]]:
    """The rows, as dicts by column heading, of the one table of ``text`` whose first heading
    is ``header``."""
    matching = [t for t in tables(text) if t[0][0] == header]
    assert len(matching) == 1, f"expected one table headed {header!r}, found {len(matching)}"
    head, *rows = matching[0]
    return [dict(zip(head, row, strict=True)) for row in rows]


def key_values(text: str, header: str) -> dict[str, str]:
    """A two-column table (``| Statistic | Value |``) as a dict."""
    return {
        row[header]: next(v for k, v in row.items() if k != header)
        for row in table_with(text, header)
    }


def number(text: str) -> float:
    """A number as the card prints it: ``1,234``, ``12.5%`` (as 0.125), ``-2e-05``."""
    text = text.strip().replace(",", "")
    return float(text[:-1]) / 100 if text.endswith("%") else float(text)


def printed_tolerance(text: str) -> float:
    """Half a unit of the last digit printed (``12.5%`` counts in percent): the rounding the
    text allows."""
    mantissa, _, exponent = text.strip().replace(",", "").rstrip("%").lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    return 0.5 * 10.0 ** (int(exponent or 0) - decimals)


def agrees(text: str, value: float, slack: float = 0.0) -> bool:
    """Whether the printed ``text`` is ``value`` rounded as printed (``slack`` adds the
    rounding of the record, e.g. 5e-5 for values stored with four decimals)."""
    percent = text.strip().endswith("%")
    tolerance = printed_tolerance(text) / (100 if percent else 1)
    return math.isclose(number(text), value, abs_tol=tolerance + slack + 1e-12)


def model_frame(built: Built, X: Any) -> pd.DataFrame:
    """Data as the model reads it, recomputed here: a scikit-learn model's fitted columns, a
    tensor's flattened columns ``x0…``, texts as the column ``text``."""
    if built.kind == "transformers":
        return pd.DataFrame({"text": list(X)})
    if isinstance(X, pd.DataFrame):
        return X[list(built.estimator.feature_names_in_)]
    values = np.asarray(X)
    return pd.DataFrame(
        values.reshape(len(values), -1), columns=[f"x{i}" for i in range(values[0].size)]
    )


def kind_of(column: pd.Series) -> str:
    """A column's kind by its pandas type."""
    if pd.api.types.is_bool_dtype(column):
        return "boolean"
    if pd.api.types.is_numeric_dtype(column):
        return "numeric"
    if pd.api.types.is_datetime64_any_dtype(column):
        return "datetime"
    return "categorical"


def target_type(built: Built, y: Any) -> str:
    from sklearn.utils.multiclass import type_of_target

    return "continuous" if built.kind == "regression" else type_of_target(np.asarray(y))


# --- model details, training data ----------------------------------------------------------


def test_details_table_states_the_saved_weights_and_the_network_size(built: Built) -> None:
    record, card = built.record, built.card
    details = key_values(section(card, "## Model details"), "Field")
    assert details["Version"] == record.version
    assert details["Released"] == record.created_at.date().isoformat()
    weights = re.fullmatch(r"`(.+)` \((\w+) format, ([\d.]+) (B|KB|MB)\)", details["Weights"])
    assert weights, details["Weights"]
    size = (built.path / weights.group(1)).stat().st_size
    assert size == record.model.size_bytes
    unit = {"B": 1, "KB": 1024, "MB": 1024**2}[weights.group(4)]
    assert agrees(weights.group(3), size / unit)
    if built.kind in ("pytorch", "transformers"):
        total = sum(p.numel() for p in built.estimator.parameters())
        trainable = sum(p.numel() for p in built.estimator.parameters() if p.requires_grad)
        assert details["Parameters"] == f"{total:,} ({trainable:,} trainable, float32)"
        totals = f"Parameters: {total:,} in total, {trainable:,} trainable; dtype float32."
        assert totals in section(card, "## Training procedure")


def test_statistics_table_counts_samples_features_by_kind_and_the_target(built: Built) -> None:
    frame = model_frame(built, built.X_train)
    stats = key_values(section(built.card, "### Statistics"), "Statistic")
    assert number(stats["Samples"]) == len(frame) == built.record.training_data.n_samples
    kinds = frame.apply(kind_of).value_counts()
    listed = re.fullmatch(r"(\d+) \((.+)\)", stats["Features"])
    assert listed and int(listed.group(1)) == frame.shape[1]
    stated = {kind: int(n) for n, kind in re.findall(r"(\d+) (\w+)", listed.group(2))}
    assert stated == kinds.to_dict()
    assert stats["Target"].endswith(f"({target_type(built, built.y_train)})")


def test_features_table_has_each_columns_type_missing_and_distinct_counts(built: Built) -> None:
    frame = model_frame(built, built.X_train)
    rows = table_with(section(built.card, "### Features"), "Feature")
    assert [row["Feature"] for row in rows] == [str(c) for c in frame.columns]
    for row in rows:
        column = frame[row["Feature"]]
        assert row["Type"] == str(column.dtype)
        assert row["Kind"] == kind_of(column)
        assert int(row["Missing"]) == column.isna().sum(), row
        assert int(row["Distinct values"]) == column.nunique(dropna=True), row


def class_sentence_facts(y: Any) -> tuple[pd.Series, float]:
    """Class counts (largest first) and the imbalance ratio of the non-missing labels."""
    counts = pd.Series(np.asarray(y)).dropna().astype(str).value_counts()
    return counts, counts.max() / counts.min()


def test_class_balance_states_counts_shares_ratio_and_imbalance(built: Built) -> None:
    text = section(built.card, "### Class balance")
    if built.kind == "regression":
        assert "there are no classes to count" in text
        assert built.record.training_data.target.class_counts is None
        return
    counts, ratio = class_sentence_facts(built.y_train)
    rows = table_with(text, "Class")
    assert {row["Class"]: int(row["Samples"]) for row in rows} == counts.to_dict()
    for row in rows:
        assert agrees(row["Share"], counts[row["Class"]] / counts.sum())
    stated = re.search(r"Imbalance ratio \(largest / smallest class\): ([\d.]+)\.", text)
    assert stated and agrees(stated.group(1), ratio)
    minority = counts.min() / counts.sum()
    imbalanced = minority < 0.5 / len(counts)
    warning = re.search(r"the smallest class, `(.+?)`, holds only ([\d.]+%) of the samples", text)
    assert bool(warning) == imbalanced == (built.kind == "multiclass-imbalanced")
    if warning:
        assert warning.group(1) == counts.idxmin()
        assert agrees(warning.group(2), minority)


def test_distribution_tables_match_the_training_data(built: Built) -> None:
    frame = model_frame(built, built.X_train)
    text = section(built.card, "### Distribution")
    rows = re.search(r"Measured on (\d+) rows", text)
    assert rows and int(rows.group(1)) == len(frame)
    profile = json.loads((built.path / "data_profile.json").read_text())
    published = {column["name"]: column for column in profile["columns"]}
    numeric = [t for t in tables(text) if "mean" in t[0]]
    assert len(numeric) == (any(kind_of(frame[c]) == "numeric" for c in frame.columns))
    for head, *body in numeric:
        for row in (dict(zip(head, cells, strict=True)) for cells in body):
            values = frame[row["feature"]].dropna().astype(float)
            assert int(row["values"]) == len(values), row
            assert int(row["missing"]) == frame[row["feature"]].isna().sum(), row
            assert agrees(row["mean"], values.mean()), row
            assert agrees(row["std"], values.std(ddof=1)), row
            # The exact median is not published: the card interpolates between the two
            # quantiles either side of it, which lie at least k rows apart, and says so.
            grid = published[row["feature"]]["quantiles"]
            ranks = grid["rank_start"] + grid["rank_step"] * np.arange(len(grid["values"]))
            assert grid["rank_step"] * len(values) >= profile["privacy"]["k_anonymity"] - 1e-9
            assert agrees(row["median (interpolated)"], np.interp(0.5, ranks, grid["values"]))
            below = grid["values"][max(np.searchsorted(ranks, 0.5, side="right") - 1, 0)]
            above = grid["values"][min(np.searchsorted(ranks, 0.5), len(ranks) - 1)]
            slack = 1e-6 * max(abs(below), abs(above))  # the profile stores float32 values
            assert below - slack <= values.median() <= above + slack, (row, values.median())
            low, high = row["low (clipped)"], row["high (clipped)"]
            assert values.quantile(0.01) <= number(low) + printed_tolerance(low)
            assert number(low) - printed_tolerance(low) <= values.median()
            assert values.median() <= number(high) + printed_tolerance(high)
            assert number(high) - printed_tolerance(high) <= values.quantile(0.99)
    if numeric:
        k = profile["privacy"]["k_anonymity"]
        assert f"quantiles either side of it, which lie at least {k} rows apart" in text
    categorical = [
        t for t in tables(text) if t[0][:2] == ["feature", "values"] and "distinct" in t[0]
    ]
    for table_rows in categorical:
        head, *body = table_rows
        for cells in body:
            row = dict(zip(head, cells, strict=True))
            column = frame[row["feature"]]
            present = column.dropna().astype(str)
            assert int(row["values"]) == len(present)
            assert int(row["missing"]) == column.isna().sum()
            assert int(row["distinct"]) == present.nunique()
            shares = present.value_counts() / len(present)
            for label, share in re.findall(r"(\S+) (\d+%)", row["most frequent"]):
                assert agrees(share, shares[label]), row
    if built.kind != "regression":
        counts, _ = class_sentence_facts(built.y_train)
        balance = table_with(text, "class")
        stated = {row["class"]: int(row["count"]) for row in balance}
        named = {k: v for k, v in stated.items() if k != "other"}
        assert all(counts[label] == n for label, n in named.items())
        assert sum(stated.values()) == counts.sum()
        for row in balance:
            assert agrees(row["share"], int(row["count"]) / counts.sum()), row


# --- evaluation -----------------------------------------------------------------------------


def classes_of(built: Built) -> list[str]:
    """The model's classes, in the order of its class scores."""
    if built.kind in ("pytorch",):
        return SPECIES
    if built.kind == "transformers":
        return ["negative", "positive"]
    return [str(c) for c in built.estimator.classes_]


def recomputed_metric(built: Built, label: str, X: Any, y: Any) -> float:
    """The metric a card row names, recomputed with scikit-learn from the model's outputs."""
    truth = np.asarray(y).astype(float if built.kind == "regression" else str)
    predicted = np.asarray(built.predict(X)).astype(truth.dtype)
    if built.kind == "regression":
        return {
            "MAE": lambda: skm.mean_absolute_error(truth, predicted),
            "RMSE": lambda: math.sqrt(skm.mean_squared_error(truth, predicted)),
            "R²": lambda: skm.r2_score(truth, predicted),
            "MAPE": lambda: skm.mean_absolute_percentage_error(truth, predicted),
        }[label]()
    classes = classes_of(built)
    assert built.proba is not None
    proba = built.proba(X)
    per_class = re.fullmatch(r"(Precision|Recall|F1) \((.+)\)", label)
    if per_class:
        function = {"Precision": skm.precision_score, "Recall": skm.recall_score}.get(
            per_class.group(1), skm.f1_score
        )
        positive = per_class.group(2)
        return function(truth == positive, predicted == positive, zero_division=0)
    positive_scores = proba[:, 1] if len(classes) == 2 else None
    is_positive = truth == classes[-1]
    if label == "Expected calibration error":
        bins = np.minimum((positive_scores * 10).astype(int), 9)
        gaps = np.bincount(bins, weights=positive_scores - is_positive, minlength=10)
        return np.abs(gaps).sum() / len(truth)
    return {
        "Accuracy": lambda: skm.accuracy_score(truth, predicted),
        "ROC AUC": lambda: skm.roc_auc_score(is_positive, positive_scores),
        "Average precision": lambda: skm.average_precision_score(is_positive, positive_scores),
        "Log loss": lambda: skm.log_loss(truth, proba, labels=classes),
        "Brier score": lambda: skm.brier_score_loss(is_positive, positive_scores),
        "Macro F1": lambda: skm.f1_score(truth, predicted, average="macro"),
        "Weighted F1": lambda: skm.f1_score(truth, predicted, average="weighted"),
        "Macro precision": lambda: skm.precision_score(truth, predicted, average="macro"),
        "Macro recall": lambda: skm.recall_score(truth, predicted, average="macro"),
        "ROC AUC (one-vs-rest, macro)": lambda: skm.roc_auc_score(
            truth, proba, multi_class="ovr", average="macro", labels=classes
        ),
        "Top-2 accuracy": lambda: skm.top_k_accuracy_score(truth, proba, k=2, labels=classes),
    }[label]()


def test_metric_table_values_are_the_models_scores_on_each_dataset(built: Built) -> None:
    text = section(built.card, "## Evaluation")
    names = list(built.evaluations)
    head, *rows = next(t for t in tables(text) if t[0][0] == "Metric")
    assert head == ["Metric", *names]
    recorded = {(e.dataset.name, m.name): m for e in built.record.evaluation for m in e.metrics}
    assert len(rows) == len({label for _, label in recorded})
    for label, *cells in rows:
        for name, cell in zip(names, cells, strict=True):
            X, y, _ = built.evaluations[name]
            value, _, interval = cell.partition(" (")
            metric = recorded[(name, label)]
            expected = recomputed_metric(built, label, X, y)
            # the record keeps four decimals; the card prints four significant digits
            assert agrees(value, expected, slack=5e-5), (name, label, cell, expected)
            assert agrees(value, metric.value)
            if interval:
                low, high = interval.rstrip(")").split("–")
                assert agrees(low, metric.ci_low) and agrees(high, metric.ci_high)
                assert number(low) <= number(high)
            else:
                assert metric.ci_low is None
    index = ModelCard.load(built.path / "README.md").data.eval_results
    assert sorted((r.dataset_type, r.metric_name, r.metric_value) for r in index) == sorted(
        (slug(name), label, m.value) for (name, label), m in recorded.items()
    )


def test_each_evaluation_dataset_is_described_by_its_own_rows(built: Built) -> None:
    text = section(built.card, "## Evaluation")
    for name, (X, y, _) in built.evaluations.items():
        detail = section(text, f"### {name}")
        frame = model_frame(built, X)
        stats = key_values(detail, "Statistic")
        assert number(stats["Samples"]) == len(frame)
        assert stats["Features"].startswith(f"{frame.shape[1]} (")
        assert stats["Target"].endswith(f"({target_type(built, y)})")
        counts = re.search(r"^Class counts: (.+)\.$", detail, re.M)
        if built.kind == "regression":
            assert counts is None
            continue
        assert counts, detail
        stated = dict(pair.rsplit(": ", 1) for pair in counts.group(1).split(", "))
        expected, _ = class_sentence_facts(y)
        assert {label: int(n) for label, n in stated.items()} == expected.to_dict()


def row_keys(built: Built, X: Any, y: Any) -> pd.Series:
    """One text per row of features and target as the model reads them: equal texts are
    identical rows (a missing value reads ``nan`` on both sides)."""
    given = model_frame(built, X)
    frame = pd.DataFrame({column: [str(v) for v in given[column]] for column in given})
    frame["__target__"] = [str(v) for v in np.asarray(y)]
    return frame.agg("\x1f".join, axis=1)


def test_leakage_sentences_match_the_rows_shared_with_the_training_data(built: Built) -> None:
    from scipy.stats import binom

    text = section(section(built.card, "## Evaluation"), "### Leakage checks").strip()
    training = row_keys(built, built.X_train, built.y_train)
    chance = training.duplicated(keep=False).mean()
    stated = {
        name: (int(count), int(total), share)
        for count, total, name, share in re.findall(
            r"(\d+) of (\d+) rows of '(.+?)' \(([\d.]+%)\) are also training rows", text
        )
    }
    for name, (X, y, split) in built.evaluations.items():
        if split == "train":
            assert re.search(rf"Not checked for shared rows: .*\*{re.escape(name)}\*", text)
            continue
        keys = row_keys(built, X, y)
        shared = int(keys.isin(set(training)).sum())
        beyond_chance = shared > 0 and binom.sf(shared - 1, len(keys), chance) < 0.001
        assert (name in stated) == beyond_chance, (name, shared, chance)
        if name in stated:
            count, total, share = stated[name]
            assert (count, total) == (shared, len(keys))
            assert agrees(share, shared / len(keys))
    if "no training row repeats another, so none is expected by chance" in text:
        assert chance == 0
    for expected in re.findall(r"more than the ([\d.]+%) that duplicates", text):
        assert agrees(expected, chance)
    no_sign = text.startswith("No sign of leakage")
    assert no_sign == (not stated and not built.record.leakage)
    rows_with_target = pd.Series(np.asarray(built.y_train)).notna().sum()
    proxy_claimed = "no single feature predicts the target on its own" in text
    if no_sign:
        assert proxy_claimed == (rows_with_target >= 20)
        assert ("The single-feature check was not run" in text) == (rows_with_target < 20)


# --- out-of-distribution paragraph -------------------------------------------------------------


def test_ood_paragraph_states_the_share_its_thresholds_flag(built: Built) -> None:
    text = section(built.card, "### Distribution")
    paragraph = text[text.index("**Out-of-distribution checks.**") :].split("\n\n")[0]
    where = re.search(r"of \*(.+?)\* \((\d+) held-out rows\)", paragraph)
    assert where, paragraph
    name, rows = where.group(1), int(where.group(2))
    X, _, split = built.evaluations[name]
    assert split != "train" and rows == len(X)
    scores = modelshare.ood(built.path, **built.extra).score(X)
    flagged = scores["flag"].mean()
    reached = re.search(
        r"accept at least (\d+)% of the rows .* They flag ([\d.]+%) of those rows\.", paragraph
    )
    if reached:
        assert agrees(reached.group(2), flagged), (paragraph, flagged)
        assert 1 - flagged >= number(reached.group(1) + "%") - 1e-9
    else:
        missed = re.search(
            r"could not be set to accept (\d+)% .* the checks flag ([\d.]+%) of those rows; "
            r"the range, category and missing-value checks alone, which no threshold moves, "
            r"flag ([\d.]+%)",
            paragraph,
        )
        assert missed, paragraph
        assert agrees(missed.group(2), flagged), (paragraph, flagged)
        assert 1 - flagged < number(missed.group(1) + "%")
        fixed = scores[["out_of_range", "non_finite", "unseen", "missing"]].ne("").any(axis=1)
        assert agrees(missed.group(3), fixed.mean()), (paragraph, fixed.mean())
    thresholds = json.loads((built.path / "ood_thresholds.json").read_text())
    for label, key in [
        ("Mahalanobis distance at most", "mahalanobis"),
        ("highest class probability at least", "max_softmax"),
        ("energy score at most", "energy"),
    ]:
        shown = re.search(rf"{label} (-?[\d.e+-]+?)[;,) ]", paragraph)
        assert bool(shown) == (thresholds[key] is not None), (label, paragraph)
        if shown:
            assert agrees(shown.group(1), thresholds[key])


# --- training procedure, environment, example -------------------------------------------------


def shown(value: Any) -> str:
    """A value as a table cell shows it (``0.0001``, ``None``, ``1e-12``, ``0.9, 0.999``)."""
    if isinstance(value, (list, tuple)):
        return ", ".join(shown(v) for v in value)
    return f"{value:g}" if isinstance(value, float) else str(value)


def test_hyperparameter_table_states_the_values_and_which_were_changed(built: Built) -> None:
    import inspect

    text = section(built.card, "## Training procedure")
    if built.kind in ("pytorch", "transformers"):
        rows = table_with(section(text, "### Configuration"), "Setting")
        if built.kind == "pytorch":
            config, defaults = NET_CONFIG, inspect.signature(PenguinNet).parameters
            default = {name: p.default for name, p in defaults.items()}
        else:
            config = built.estimator.config.to_dict()
            default = transformers.BertConfig().to_dict()
        assert rows, text
        for row in rows:
            name = row["Setting"].strip("*")
            assert row["Value"] == shown(config[name]), row
            changed = name in default and default[name] != config[name]
            assert row["Setting"].startswith("**") == changed, row
        return
    estimator = built.estimator[-1] if isinstance(built.estimator, Pipeline) else built.estimator
    params = estimator.get_params(deep=False)
    defaults = {
        name: p.default for name, p in inspect.signature(type(estimator)).parameters.items()
    }
    rows = table_with(section(text, "### Hyperparameters"), "Hyperparameter")
    assert sorted(row["Hyperparameter"].strip("*") for row in rows) == sorted(params)
    for row in rows:
        name = row["Hyperparameter"].strip("*")
        assert row["Value"] == shown(params[name]), row
        assert row["Default"] == shown(defaults[name]), row
        changed = params[name] != defaults[name]
        assert (row["Changed"] == "yes") == changed == row["Hyperparameter"].startswith("**")


def test_environment_and_requirements_are_the_installed_versions(built: Built) -> None:
    import platform

    text = section(built.card, "## Environment")
    component = key_values(text, "Component")
    assert component["Python"].startswith(f"{platform.python_version()} (")
    packages = {row["Package"]: row["Version"] for row in table_with(text, "Package")}
    assert packages == built.record.environment.packages
    for name, version in packages.items():
        assert importlib.metadata.version(name) == version, name
    # requirements.txt drops a local version label (``+cpu``), which no public index serves;
    # its pin still admits the installed build (PEP 440 ignores local labels in ``==``)
    lines = (built.path / "requirements.txt").read_text().split("\n")
    pinned = dict(line.split("==") for line in lines if line and not line.startswith("#"))
    assert set(pinned) == set(packages)
    for name, version in pinned.items():
        assert Version(packages[name]) in SpecifierSet(f"=={version}"), name
        assert version == Version(packages[name]).public
    framework = {"pytorch": "torch", "transformers": "transformers"}.get(built.kind, "scikit-learn")
    assert framework in packages


def example_inputs(built: Built) -> list[list[Any]]:
    """The input rows the example script predicts on, read back from its source."""
    script = (built.path / built.record.example).read_text()
    if built.kind == "transformers":
        texts = re.search(r"^texts = (\[.*\])$", script, re.M)
        assert texts, script
        return [[text] for text in ast.literal_eval(texts.group(1))]
    columns = re.findall(r"^\s+('.+'|\".+\"): (\[.*\]),?$", script, re.M)
    if columns:
        values = [ast.literal_eval(v) for _, v in columns]
        return [list(row) for row in zip(*values, strict=True)]
    from safetensors.torch import load_file

    assert 'recorded["inputs"]' in script  # a network's example reads its inputs from there
    recorded = load_file(built.path / "examples" / "expected.safetensors")
    return recorded["inputs"].reshape(len(recorded["inputs"]), -1).tolist()


def test_get_started_sentence_says_what_the_example_predicts_on(built: Built) -> None:
    text = section(built.card, "## How to get started")
    example = built.record.example_rows
    assert example is not None
    said = re.search(r"Its (\d+) input (rows|texts) (are|were) ([^:.(]+)", text)
    assert said, text
    inputs = example_inputs(built)
    assert int(said.group(1)) == example.rows == len(inputs)
    if example.source == "evaluation":
        assert "are real: the first complete rows of the evaluation dataset" in text
        assert f"*{example.dataset}*" in text
        X, _, _ = built.evaluations[example.dataset]
        frame = model_frame(built, X).dropna().head(example.rows)
        expected = frame.to_numpy().tolist()
        assert len(expected) == len(inputs)
        for got, want in zip(inputs, expected, strict=True):
            for value, real in zip(got, want, strict=True):
                if isinstance(real, str):
                    assert value == real
                else:
                    assert math.isclose(value, real, rel_tol=1e-6), (got, want)
    elif example.source == "synthetic":
        assert "are synthetic" in text and "they are no rows of the data" in text
        training = model_frame(built, built.X_train).to_numpy().tolist()
        assert not any(row in training for row in inputs)
    else:
        pytest.fail(f"no release of this test predicts on {example.source!r} rows")


# --- modelshare check against the record -----------------------------------------------------


def _has_step(record: ReleaseRecord, kinds: tuple[str, ...]) -> bool:
    return any(
        any(kind in step.kind for kind in kinds)
        or (kinds == ("filter",) and step.rows_removed is not None)
        for step in record.preprocessing
    )


def _text_given(dotted: str) -> Callable[[ReleaseRecord, Path], bool]:
    return lambda record, _: field_value(record, dotted) is not None


RECORD_HOLDS: dict[str, Callable[[ReleaseRecord, Path], bool]] = {
    **{item: _text_given(dotted) for item, dotted in TEXT_FIELDS.items()},
    "environment": lambda r, _: bool(r.environment.packages),
    "data.license": lambda r, _: bool(
        r.training_data.provenance
        and r.training_data.provenance.license
        and r.training_data.provenance.owner
    ),
    "data.statistics": lambda r, _: (
        r.training_data.n_samples > 0 and bool(r.training_data.features)
    ),
    "data.balance": lambda r, _: bool(r.training_data.target.class_counts),
    "data.distribution": lambda _, folder: (folder / "data_profile.json").is_file(),
    "preprocessing.split": lambda r, _: r.split is not None,
    "preprocessing.standardization": lambda r, _: _has_step(r, ("scaler",)),
    "preprocessing.feature_selection": lambda r, _: _has_step(r, ("feature selector",)),
    "preprocessing.outliers": lambda r, _: _has_step(r, ("outlier", "filter")),
    "model.architecture": lambda r, _: bool(r.model.estimator),
    "model.hyperparameters": lambda r, _: bool(r.model.hyperparameters),
    "model.training_procedure": lambda r, _: (
        r.model.framework == "scikit-learn"
        or bool(r.model.training and r.model.training.optimizer and r.model.training.epochs)
    ),
    "model.weights": lambda r, folder: (folder / r.model.file).is_file(),
    "evaluation.metrics": lambda r, _: any(e.metrics for e in r.evaluation),
    "evaluation.datasets": lambda r, _: (
        len({e.dataset.checksum for e in r.evaluation} - {r.training_data.checksum}) >= 2
    ),
    "ethics.fairness": lambda r, _: any(e.group_metrics for e in r.evaluation),
    "examples": lambda r, folder: (folder / r.example).is_file(),
    "license": lambda r, _: bool(r.license),
}
"""For each checklist item, whether the record (and the release folder) holds its evidence."""

CARD_AUDIT_EXCEPTIONS: dict[str, str] = {
    "model.weights": "a card read alone has no folder to find the weights file in; read with "
    "its folder, it agrees with the record (checked below)",
    "preprocessing.standardization": "the card audit looks for a section on scaling, as any "
    "card would have; a modelshare card lists every step in its Steps table, which it does "
    "not parse: the record audit, reading each step's kind, is the right one",
    "preprocessing.outliers": "as for standardization: no outlier section, the Steps table "
    "unread; the record audit is the right one",
    "preprocessing.feature_selection": "the card audit takes a section listing the input "
    "features (the training data's Features table) as enough, as the checklist allows for "
    "any card; the record audit asks for a recorded selection step, which it rightly lacks",
}
"""Checklist items where reading the card alone rightly differs from reading the record,
with the reason; every other difference is a fault of one of the two audits."""


def test_check_calls_present_exactly_what_the_record_holds(built: Built) -> None:
    report = check_path(built.path)
    assert report.kind == "release"
    assert {item.id for item in report.items} == set(RECORD_HOLDS)
    for item in report.items:
        holds = RECORD_HOLDS[item.id](built.record, built.path)
        if item.status == "present":
            assert holds, (item.id, item.evidence)
        elif item.status == "missing":
            assert not holds, (item.id, item.evidence)
    missing_facts = {item.id for item in report.items if item.status == "missing"}
    for fact in built.record.missing_facts():
        item = next((i for i, f in TEXT_FIELDS.items() if f == fact or f.endswith(fact)), None)
        if item is not None:
            assert item in missing_facts, fact


def test_card_audit_agrees_with_the_record_audit(built: Built) -> None:
    by_record = {item.id: item for item in check_path(built.path).items}
    by_card = {item.id: item for item in audit_card(built.card).items}
    differing = {
        item: (by_record[item].status, by_card[item].status, by_card[item].evidence)
        for item in by_record
        if by_record[item].status != by_card[item].status
        and by_record[item].status != "waived"
        and item not in CARD_AUDIT_EXCEPTIONS
    }
    assert not differing, differing
    with_folder = {item.id: item for item in audit_card(built.card, folder=built.path).items}
    assert with_folder["model.weights"].status == by_record["model.weights"].status
