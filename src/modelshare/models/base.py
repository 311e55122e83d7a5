"""What every framework adapter provides to a release: the interface and the shared vocabulary.

An adapter wraps one fitted model. The release asks it for the model's task, for data in the
form its predictor reads, for a scikit-learn-like predictor (so :func:`score_model` measures
every framework the same way), for the facts of the record, and to write the weights and the
usage example into the release folder.

Example:
    >>> from modelshare.evaluate.metrics import score_model
    >>> from modelshare.models import adapter_for
    >>> adapter = adapter_for(model)
    >>> adapter.task
    'classification'
    >>> frame = adapter.features(X_test)
    >>> score_model(adapter.predictor(), frame, y_test, adapter.task).metrics[0].name
    'Accuracy'
    >>> Path("staging").mkdir()
    >>> adapter.save(Path("staging")).file
    'model.skops'
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar, Literal

import pandas as pd

from modelshare.errors import InvalidInputError
from modelshare.record import Framework, ModelFacts, PreprocessingStep

Task = Literal["classification", "regression"]
TASKS: tuple[Task, ...] = ("classification", "regression")

TABULAR_PIPELINE_TAGS: dict[str, str] = {
    "classification": "tabular-classification",
    "regression": "tabular-regression",
}
"""The Hub's task ids for models that read one row of features per example."""

Outputs = Callable[[pd.DataFrame], Any]
"""Computes a model's raw outputs (scores, probabilities, labels or values) for some rows."""


def check_task(task: Any, framework: str) -> Task:
    """The task a caller gave, checked; a one-line error names the accepted values.

    Example:
        >>> check_task("classification", "PyTorch")
        'classification'
    """
    if task not in TASKS:
        raise InvalidInputError(
            f"a {framework} model needs its task: pass task='classification' or "
            f"task='regression' to Release.model(...), not {task!r}"
        )
    return task


class ModelAdapter(ABC):
    """One fitted model of one framework, as a release sees it.

    Subclasses set :attr:`framework` and implement the abstract methods; the others have
    defaults that suit a model with no preprocessing, seeds, dropout or extra import path.
    """

    framework: ClassVar[Framework]
    """The framework id recorded in ``modelshare.json`` (``ModelFacts.framework``)."""

    def __init__(self, model: Any) -> None:
        self.model = model

    @property
    @abstractmethod
    def task(self) -> Task:
        """``"classification"`` or ``"regression"``."""

    @abstractmethod
    def features(self, X: Any) -> pd.DataFrame:
        """The inputs as a frame: measured for the card and read back by the predictor.

        Example:
            >>> import torch
            >>> from modelshare.models import adapter_for
            >>> adapter = adapter_for(torch.nn.Linear(3, 2), task="regression", config={})
            >>> adapter.features(torch.rand(4, 3)).columns.tolist()
            ['x0', 'x1', 'x2']
        """

    @abstractmethod
    def predictor(self, predict: Callable[[Any], Any] | None = None) -> Any:
        """A scikit-learn-like predictor of frames from :meth:`features`: ``predict``, plus
        ``predict_proba`` and ``classes_`` for classifiers that give scores.

        ``predict``, when given, replaces the model's own outputs: it receives the inputs in
        the framework's form (a tensor, a list of texts), runs as the model does (evaluation
        mode, no gradients) and returns labels, class scores or values.

        Example:
            >>> from modelshare.models import adapter_for
            >>> adapter = adapter_for(model)
            >>> adapter.predictor().predict(adapter.features(X_test))[:3]
            array(['Gentoo', 'Chinstrap', 'Gentoo'], dtype=object)
        """

    @abstractmethod
    def describe(self) -> ModelFacts:
        """The facts read from the model; :meth:`save` adds the facts of the written files.

        Example:
            >>> from modelshare.models import adapter_for
            >>> adapter_for(model).describe().estimator
            'LogisticRegression'
        """

    @abstractmethod
    def modules(self) -> set[str]:
        """Top-level modules a recipient needs to load the model, for ``requirements.txt``.

        Example:
            >>> from modelshare.models import adapter_for
            >>> sorted(adapter_for(model).modules())
            ['numpy', 'pandas', 'scipy', 'sklearn', 'skops']
        """

    @abstractmethod
    def save(self, folder: Path) -> ModelFacts:
        """Write the weights (and configuration) into ``folder``; return the complete facts.

        Example:
            >>> from modelshare.models import adapter_for
            >>> Path("staging").mkdir()
            >>> adapter_for(model).save(Path("staging")).file
            'model.skops'
        """

    @abstractmethod
    def example(self, name: str, rows: pd.DataFrame | None, facts: ModelFacts, folder: Path) -> str:
        """The text of ``examples/predict.py``: load the saved model with the framework's own
        tools, predict on ``rows`` and check the results recorded now (without rows: load
        the model and show it). Data the script needs is written under
        ``folder / "examples"``.

        Example:
            >>> from modelshare.models import adapter_for
            >>> adapter, folder = adapter_for(model), Path("staging")
            >>> folder.mkdir()
            >>> facts = adapter.save(folder)
            >>> script = adapter.example("penguin-species", X_test[:2], facts, folder)
            >>> print(script[script.index("model = "):])
            model = sio.load(MODEL, trusted=TRUSTED)
            rows = pd.DataFrame(
            ...
            predictions = model.predict(rows).tolist()
            print(predictions)
            ...
            expected = ['Gentoo', 'Chinstrap']
            assert predictions == expected, f"expected {expected}, got {predictions}"
            <BLANKLINE>
        """

    def preprocessing(self) -> list[PreprocessingStep]:
        """Preprocessing steps the model carries (a pipeline's steps, a tokenizer).

        Example:
            >>> from modelshare.models import adapter_for
            >>> [step.kind for step in adapter_for(model).preprocessing()][:2]
            ['imputer', 'scaler']
        """
        return []

    def seeds(self) -> dict[str, int]:
        """Random seeds read from the model, keyed by where they were set.

        Example:
            >>> from modelshare.models import adapter_for
            >>> adapter_for(model).seeds()
            {'classifier__random_state': 0}
        """
        return {}

    def dropout(self) -> dict[str, float]:
        """Dropout probability of each dropout layer, keyed by the layer's path.

        Example:
            >>> from torch import nn
            >>> from modelshare.models import adapter_for
            >>> net = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Dropout(0.2), nn.Linear(8, 2))
            >>> adapter_for(net, task="classification", config={}).dropout()
            {'2': 0.2}
        """
        return {}

    def import_roots(self) -> list[Path]:
        """Folders the example needs on ``PYTHONPATH`` to import the model's own code.

        Example:
            >>> from modelshare.models import adapter_for
            >>> adapter_for(model).import_roots()  # scikit-learn is installed: nothing to add
            []
        """
        return []
