"""Model adapters, one module per framework: check, describe, save and load a fitted model.

:func:`adapter_for` picks the adapter by the model's class without importing a framework the
model does not come from, so a scikit-learn release never imports torch.

Example:
    >>> adapter_for(model).framework
    'scikit-learn'
    >>> import torch
    >>> adapter_for(torch.nn.Linear(3, 2), task="classification", config={}).framework
    'pytorch'
    >>> import transformers
    >>> config = transformers.BertConfig(vocab_size=8, hidden_size=8, num_hidden_layers=1,
    ...     num_attention_heads=1, intermediate_size=8)
    >>> bert = transformers.BertForSequenceClassification(config)
    >>> tokenizer = transformers.BertTokenizerFast(vocab={"[UNK]": 0, "film": 1})
    >>> adapter_for(bert, tokenizer=tokenizer).framework
    'transformers'
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from modelshare.errors import InvalidInputError, UnsafeContentError
from modelshare.models.base import ModelAdapter
from modelshare.record import ModelFacts

SUPPORTED_MODELS = (
    "fitted scikit-learn estimators and Pipelines (classifiers and regressors), "
    "PyTorch networks (torch.nn.Module) and transformers models (PreTrainedModel) "
    "with their tokenizer"
)
"""Every kind of model a release accepts, as quoted in error messages."""

CONVERT_HINT = (
    "a release holds only formats that cannot run code: convert a PyTorch checkpoint with "
    "`modelshare convert CHECKPOINT --config CONFIG --out DIR`, or save a scikit-learn model "
    "with skops: skops.io.dump(model, 'model.skops')"
)


def adapter_for(model: Any, **options: Any) -> ModelAdapter:
    """The adapter for a fitted model; ``options`` go to it (``task``, ``config``,
    ``classes``, ``tokenizer``…). A path is read as a skops model file.

    Example:
        >>> adapter_for({"weights": [1, 2]})
        Traceback (most recent call last):
        ...
        modelshare.errors.InvalidInputError: unsupported model type 'builtins.dict': ...
    """
    if isinstance(model, (str, os.PathLike)):
        model = model_from_file(Path(model))
    if _comes_from(model, "transformers"):
        from modelshare.models.transformers import TransformersAdapter

        return TransformersAdapter(model, **options)
    if _comes_from(model, "torch"):
        from modelshare.models.pytorch import PyTorchAdapter

        return PyTorchAdapter(model, **options)
    if _comes_from(model, "sklearn"):
        from modelshare.models.sklearn import SklearnAdapter

        if options:
            raise InvalidInputError(
                f"a scikit-learn model takes no options; got {', '.join(sorted(options))}"
            )
        return SklearnAdapter(model)
    kind = f"{type(model).__module__}.{type(model).__qualname__}"
    raise InvalidInputError(
        f"unsupported model type '{kind}': modelshare supports {SUPPORTED_MODELS}"
    )


def release_adapter(model: Any, facts: ModelFacts, folder: Path) -> ModelAdapter:
    """The adapter that reads data and predicts as a release did, for its model loaded by
    :func:`modelshare.load`; a transformers release's tokenizer is read from ``folder``.

    Example:
        >>> from modelshare import load
        >>> adapter = release_adapter(load(bundle.path), record.model, bundle.path)
        >>> adapter.predictor().predict(adapter.features(X_new))[:2]
        array(['Adelie', 'Adelie'], dtype=object)
    """
    if facts.framework == "scikit-learn":
        return adapter_for(model)
    if facts.framework == "pytorch":
        return adapter_for(model, task=facts.task, classes=facts.classes, config=facts.config)
    from modelshare.models.transformers import load_tokenizer

    return adapter_for(
        model, tokenizer=load_tokenizer(folder), task=facts.task, classes=facts.classes
    )


def model_from_file(path: Path, trusted: Iterable[str] = ()) -> Any:
    """A scikit-learn model read from a skops file; a pickle (raw, joblib or a PyTorch
    checkpoint) is refused by content, pointing to ``modelshare convert`` or skops. The file
    may build only the types modelshare trusts by default and those named in ``trusted``.

    Example:
        >>> import torch
        >>> torch.save(torch.nn.Linear(3, 2).state_dict(), "my_awesome_model.pth")
        >>> model_from_file(Path("my_awesome_model.pth"))
        Traceback (most recent call last):
        ...
        modelshare.errors.UnsafeContentError: my_awesome_model.pth is a pytorch file, ...

    Raises:
        UnsafeContentError: a pickle, unsafe content, or a type nobody trusted.
        InvalidInputError: safetensors weights without their class, a missing file, or not a
            skops file.
    """
    from modelshare.safety import scan_file
    from modelshare.safety.policy import refusal_message

    scan = scan_file(path, trusted=trusted)
    if scan.contains_pickle:
        raise UnsafeContentError(
            f"{path.name} is a {scan.format} file, which runs code when loaded; {CONVERT_HINT}"
        )
    if scan.format == "safetensors":
        raise InvalidInputError(
            f"{path.name} holds weights only: load them into the model's class and pass the "
            "model to Release.model(...) from Python"
        )
    if not scan.safe:
        raise UnsafeContentError(refusal_message(path.name, scan))
    from modelshare.models.sklearn import load_model

    return load_model(path, trusted)


def _comes_from(model: Any, package: str) -> bool:
    """Whether a class of the model's type hierarchy is defined in ``package``."""
    return any(cls.__module__.partition(".")[0] == package for cls in type(model).__mro__)
