"""The author chooses what the release's example predicts on, and the card says truthfully
which it is: synthetic rows drawn from the profile (the default where data involves people or
is private), the first evaluation rows, rows of the author's own, or none."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from sklearn.datasets import load_wine
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from modelshare.bundle import Bundle
from modelshare.errors import InvalidInputError
from modelshare.penguins import PenguinExample
from modelshare.release import Release
from tests.helpers import run_in_process


def example_frame(bundle: Bundle) -> pd.DataFrame | None:
    """The rows written into the release's example, read back from its code."""
    code = (bundle.path / "examples" / "predict.py").read_text(encoding="utf-8")
    found = re.search(r"^rows = pd\.DataFrame\(\n(.*?)\n\)$", code, re.DOTALL | re.MULTILINE)
    if found is None:
        return None
    namespace: dict = {"pd": pd}
    exec(f"rows = pd.DataFrame({found.group(1)})", namespace)  # our own example, not a stranger's
    return namespace["rows"]


def card_sentence(bundle: Bundle) -> str:
    card = (bundle.path / "README.md").read_text(encoding="utf-8")
    return next(line for line in card.splitlines() if "The example below was run" in line)


def test_the_quick_start_example_predicts_on_synthetic_rows_none_of_which_is_data(
    quickstart_bundle: Bundle, penguins: PenguinExample
) -> None:
    facts = quickstart_bundle.record.example_rows
    rows = example_frame(quickstart_bundle)

    assert facts is not None and (facts.source, facts.rows) == ("synthetic", 3)
    assert "the feature 'sex' suggests the data involves people" in facts.reason
    assert rows is not None and len(rows) == 3
    data = pd.concat([penguins.X_train, penguins.X_test, penguins.X_later])
    shared = rows.merge(data, how="inner", on=list(rows.columns))
    assert shared.empty
    assert set(rows["island"]) <= set(data["island"].dropna())
    assert "Its 3 input rows are synthetic" in card_sentence(quickstart_bundle)
    assert "they are no rows of the data" in card_sentence(quickstart_bundle)


@pytest.fixture(scope="module")
def wine(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Data about wines, not people: a fitted pipeline with training and test rows."""
    X, y = load_wine(return_X_y=True, as_frame=True)
    y = y.map(dict(enumerate(["cultivar 1", "cultivar 2", "cultivar 3"])))
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(X[:140], y[:140])
    return {
        "model": model,
        "train": (X[:140], y[:140]),
        "test": (X[140:], y[140:]),
        "folder": tmp_path_factory.mktemp("wine"),
    }


def wine_release(wine: dict, private: bool = False) -> Release:
    rel = Release("wine-cultivar", license="mit")
    rel.training_data(*wine["train"], name="UCI wine", private=private)
    rel.model(wine["model"])
    return rel.evaluate(*wine["test"], dataset="wine-test")


def test_data_about_no_one_shows_its_first_evaluation_rows_and_says_so(wine: dict) -> None:
    bundle = wine_release(wine).save(wine["folder"] / "auto")
    rows = example_frame(bundle)
    facts = bundle.record.example_rows

    assert facts is not None and (facts.source, facts.dataset, facts.reason) == (
        "evaluation",
        "wine-test",
        None,
    )
    assert rows is not None
    pd.testing.assert_frame_equal(rows, wine["test"][0].head(3).reset_index(drop=True))
    assert "Its 3 input rows are real: the first complete rows of the evaluation dataset" in (
        card_sentence(bundle)
    )


def test_private_data_gets_synthetic_rows_and_the_reason(wine: dict) -> None:
    bundle = wine_release(wine, private=True).save(wine["folder"] / "private")
    rows = example_frame(bundle)

    assert bundle.record.example_rows.source == "synthetic"
    assert "marked the data private" in card_sentence(bundle)
    X = pd.concat([wine["train"][0], wine["test"][0]])
    assert rows is not None and rows.merge(X, how="inner").empty


def test_the_author_may_give_rows_or_none(wine: dict) -> None:
    chosen = wine["test"][0].tail(2)
    given = wine_release(wine).save(wine["folder"] / "given", example_rows=chosen)
    none = wine_release(wine).save(wine["folder"] / "none", example_rows="none")

    pd.testing.assert_frame_equal(example_frame(given), chosen.reset_index(drop=True))
    assert "were chosen by the authors" in card_sentence(given)
    assert example_frame(none) is None
    assert none.record.example_rows.source == "none"
    assert "published no example inputs" in card_sentence(none)
    assert "print(model)" in (none.path / "examples" / "predict.py").read_text()


def test_a_choice_that_cannot_be_honoured_is_one_clear_error(
    wine: dict, penguins: PenguinExample, tmp_path: Path
) -> None:
    with pytest.raises(InvalidInputError, match="example_rows='random': use one of auto"):
        wine_release(wine).save(tmp_path / "random", example_rows="random")
    with pytest.raises(InvalidInputError, match="give between 1 and 20"):
        wine_release(wine).save(tmp_path / "many", example_rows=wine["train"][0])
    assert not (tmp_path / "random").exists() and not (tmp_path / "many").exists()


def test_the_command_line_takes_the_choice(
    quickstart_bundle: Bundle, penguins: PenguinExample, tmp_path: Path
) -> None:
    penguins.X_train.assign(species=penguins.y_train).to_csv(tmp_path / "train.csv", index=False)
    penguins.X_test.assign(species=penguins.y_test).to_csv(tmp_path / "test.csv", index=False)
    common = ("--model", quickstart_bundle.path / "model.skops", "--train", tmp_path / "train.csv")
    common += ("--target", "species", "--test", tmp_path / "test.csv", "--json")

    made = run_in_process(
        "release", *common, "--example-rows", "evaluation", "--out", tmp_path / "r"
    )
    refused = run_in_process("release", *common, "--example-rows", "some", "--out", tmp_path / "s")

    assert made.returncode == 0, made.stderr
    record = json.loads((tmp_path / "r" / "modelshare.json").read_text())
    assert record["example_rows"] == {
        "source": "evaluation",
        "rows": 3,
        "dataset": "test",
        "reason": None,
    }
    assert (
        refused.returncode == 2 and "some" in refused.stderr and "Traceback" not in refused.stderr
    )
