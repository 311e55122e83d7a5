"""The namespace of the docstring examples under ``src/modelshare``.

Every example runs in a fresh working folder of its own that holds the quick start release
at ``releases/penguin-species`` (built once per session), a copy of its card as ``README.md``,
its training rows as ``train.csv`` and the 2009 season as ``new.csv``, with
``$MODELSHARE_HOME`` inside that folder, so an example reads as a user would type it. The
names given below (``X_train``, ``model``, ``bundle``, ``record``, ``scores``, ``profile``…)
are there without an import.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from modelshare.bundle import Bundle
from modelshare.evaluate.metrics import Scores, score_model
from modelshare.penguins import TARGET, PenguinExample, train_penguin_classifier
from modelshare.profiling.model import DataProfile
from modelshare.quickstart import build_quickstart_release

RELEASE = Path("releases/penguin-species")


@pytest.fixture(scope="session")
def doctest_example(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, PenguinExample, Scores]:
    """The data folder and the fitted penguin example, made once."""
    folder = tmp_path_factory.mktemp("doctest-data")
    build_quickstart_release(folder / RELEASE)
    shutil.copy(folder / RELEASE / "README.md", folder / "README.md")
    example = train_penguin_classifier()
    example.X_train.assign(**{TARGET: example.y_train}).to_csv(folder / "train.csv", index=False)
    example.X_later.assign(**{TARGET: example.y_later}).to_csv(folder / "new.csv", index=False)
    scores = score_model(example.model, example.X_test, example.y_test, task="classification")
    return folder, example, scores


@pytest.fixture(autouse=True)
def doctest_namespace_for_examples(
    doctest_example: tuple[Path, PenguinExample, Scores],
    doctest_namespace: dict,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Run each example in a copy of the data folder, with the names the examples use."""
    folder, example, scores = doctest_example
    shutil.copytree(folder, tmp_path, dirs_exist_ok=True)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MODELSHARE_HOME", str(tmp_path / ".modelshare"))
    bundle = Bundle.open(RELEASE)
    doctest_namespace.update(
        Path=Path,
        json=json,
        np=np,
        pd=pd,
        example=example,
        **vars(example),  # model, X_train, y_train, X_test, y_test, X_later, y_later
        X_new=example.X_later,
        scores=scores,
        bundle=bundle,
        record=bundle.record,
        profile=DataProfile.load(RELEASE / "data_profile.json"),
    )
