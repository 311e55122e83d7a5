"""The transformers adapter: a ``PreTrainedModel`` and its tokenizer, saved with
``save_pretrained`` (weights in safetensors), loadable with the Auto classes.

The Hub metadata follows the architecture: ``*ForSequenceClassification`` is a
``text-classification`` model loaded by ``AutoModelForSequenceClassification``, and so on;
``base_model`` is the Hub id the model was loaded from, when ``config.name_or_path`` is one.
Inputs are texts, one per example.

Example:
    >>> import torch
    >>> words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "a", "good", "bad", "film"]
    >>> tokenizer = transformers.BertTokenizerFast(vocab=dict(zip(words, range(8))))
    >>> config = transformers.BertConfig(vocab_size=8, hidden_size=8, num_hidden_layers=1,
    ...     num_attention_heads=1, intermediate_size=8, id2label={0: "negative", 1: "positive"})
    >>> _ = torch.manual_seed(0)
    >>> model = transformers.BertForSequenceClassification(config)
    >>> adapter = TransformersAdapter(model, tokenizer=tokenizer)
    >>> adapter.task, adapter.describe().pipeline_tag
    ('classification', 'text-classification')
    >>> frame = adapter.features(["a good film", "a bad film"])
    >>> adapter.predictor().predict(frame)  # untrained, so the labels mean nothing yet
    array(['negative', 'negative'], dtype='<U8')
    >>> adapter.inputs(adapter.features(["a good film"]))
    ['a good film']
    >>> adapter.forward(["a good film"]).logits.shape
    torch.Size([1, 2])
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import transformers
from safetensors.torch import save_file

from modelshare.errors import InvalidInputError, ModelshareError
from modelshare.layout import EXPECTED_PATH, WEIGHTS_FILE
from modelshare.models.base import Task, check_task
from modelshare.models.networks import (
    NetworkAdapter,
    config_hyperparameters,
    outline,
    run_in_batches,
    summarize,
)
from modelshare.models.scripts import transformers_example
from modelshare.preprocessing import qualified_name
from modelshare.record import Hyperparameter, ModelFacts, PreprocessingStep
from modelshare.safety import safe_torch_load

TEXT_COLUMN = "text"

AUTO_CLASSES: tuple[tuple[str, str, str], ...] = (
    ("ForSequenceClassification", "AutoModelForSequenceClassification", "text-classification"),
    ("ForTokenClassification", "AutoModelForTokenClassification", "token-classification"),
    ("ForQuestionAnswering", "AutoModelForQuestionAnswering", "question-answering"),
    ("ForMaskedLM", "AutoModelForMaskedLM", "fill-mask"),
    ("ForCausalLM", "AutoModelForCausalLM", "text-generation"),
    ("Model", "AutoModel", "feature-extraction"),
)
"""Architecture class suffix -> the Auto class that loads it and the Hub's task id."""

BOOKKEEPING_KEYS = frozenset(
    {"architectures", "model_type", "transformers_version", "id2label", "label2id", "dtype"}
)
"""Configuration entries that describe the file rather than the model: not hyperparameters."""

HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[A-Za-z0-9][\w.-]*)?$")
DEFAULT_LABEL = re.compile(r"^LABEL_\d+$")
NO_LENGTH_LIMIT = 10**12
"""Tokenizers without a maximum length report a huge one; above this there is no limit."""


def auto_class_for(architecture: str) -> tuple[str, str | None]:
    """The Auto class that loads an architecture, and its Hub task id (None if unknown).

    Example:
        >>> auto_class_for("BertForSequenceClassification")
        ('AutoModelForSequenceClassification', 'text-classification')
    """
    for suffix, auto_class, pipeline_tag in AUTO_CLASSES:
        if architecture.endswith(suffix):
            return auto_class, pipeline_tag
    return "AutoModel", None


def hub_id(name: str | None) -> str | None:
    """``name`` when it reads as a Hub model id and is not a local path, else None.

    Example:
        >>> hub_id("google-bert/bert-base-uncased"), hub_id("./my_transformer_model")
        ('google-bert/bert-base-uncased', None)
    """
    if not name or not HUB_ID.match(name) or Path(name).exists():
        return None
    return name


class TransformersAdapter(NetworkAdapter):
    """A transformers model with the tokenizer (or processor) that turns texts into its inputs.

    ``task`` defaults from the head (``*ForSequenceClassification``: classification, or
    regression with one label); ``classes`` default to the configuration's label names;
    ``base_model`` to the Hub id the model was loaded from.
    """

    framework = "transformers"

    def __init__(
        self,
        model: Any,
        *,
        tokenizer: Any = None,
        task: Any = None,
        classes: Sequence[Any] | None = None,
        base_model: str | None = None,
    ) -> None:
        if not isinstance(model, transformers.PreTrainedModel):
            raise InvalidInputError(
                f"expected a transformers model, not {qualified_name(type(model))}"
            )
        if not (callable(tokenizer) and hasattr(tokenizer, "save_pretrained")):
            raise InvalidInputError(
                "a transformers release needs the tokenizer (or processor) that turns texts "
                "into the model's inputs: pass tokenizer= to Release.model(...)"
            )
        task = check_task(task or _head_task(model), "transformers")
        if classes is None and task == "classification":
            classes = _label_names(model.config)
        super().__init__(model, task, classes)
        self.tokenizer = tokenizer
        self.auto_class, self.pipeline_tag = auto_class_for(type(model).__name__)
        self.base_model = base_model or hub_id(model.config.name_or_path)
        self._column = TEXT_COLUMN

    def features(self, X: Any) -> pd.DataFrame:
        """The texts as a one-column frame."""
        frame = _texts_frame(X)
        self._column = str(frame.columns[0])
        self._keep_sample(frame)
        return frame

    def inputs(self, frame: pd.DataFrame) -> list[str]:
        """The texts of rows from :meth:`features` (see the module's example)."""
        return [str(text) for text in frame.iloc[:, 0]]

    def forward(self, texts: list[str]) -> Any:
        """The model's output for texts, tokenized as a batch (see the module's example)."""
        inputs = self.tokenizer(list(texts), padding=True, truncation=True, return_tensors="pt")
        return self.model(**inputs.to(self.model.device))

    def describe(self) -> ModelFacts:
        cls, config = type(self.model), self.model.config
        return ModelFacts(
            framework=self.framework,
            estimator=cls.__name__,
            estimator_path=qualified_name(cls),
            task=self.task,
            steps=outline(self.model),
            hyperparameters=_hyperparameters(config),
            classes=[str(label) for label in self.classes] if self.classes else None,
            file=WEIGHTS_FILE,
            format="safetensors",
            library_name="transformers",
            pipeline_tag=self.pipeline_tag,
            tags=["transformers", "safetensors", config.model_type]
            + ([self.pipeline_tag] if self.pipeline_tag else []),
            base_model=self.base_model,
            architecture=summarize(self.model),
        )

    def preprocessing(self) -> list[PreprocessingStep]:
        """The tokenizer, as the step that turns each text into token ids."""
        tokenizer = self.tokenizer
        limit = getattr(tokenizer, "model_max_length", None)
        limited = isinstance(limit, int) and limit < NO_LENGTH_LIMIT
        size = len(tokenizer) if hasattr(tokenizer, "__len__") else None
        words = f" from a vocabulary of {size} tokens" if size else ""
        cut = f", cut at {limit} tokens" if limited else ""
        return [
            PreprocessingStep(
                kind="tokenizer",
                name="tokenizer",
                estimator=type(tokenizer).__name__,
                method=f"each text split into token ids{words}{cut}",
                columns=[self._column],
                params={"vocabulary_size": size, "max_length": limit if limited else None},
            )
        ]

    def modules(self) -> set[str]:
        return {
            "transformers",
            "torch",
            "safetensors",
            type(self.tokenizer).__module__.partition(".")[0],
        }

    def save(self, folder: Path) -> ModelFacts:
        """``save_pretrained`` of the model (safetensors) and of the tokenizer."""
        with _progress_bars_hidden():
            self.model.save_pretrained(folder)
        self.tokenizer.save_pretrained(folder)
        if not (folder / WEIGHTS_FILE).is_file():
            raise ModelshareError(
                f"save_pretrained wrote no {WEIGHTS_FILE} (the model may be too large for one "
                "file); modelshare releases hold the weights in one safetensors file"
            )
        return self._saved_facts(folder)

    def example(self, name: str, rows: pd.DataFrame | None, facts: ModelFacts, folder: Path) -> str:
        """Run the model on the texts of ``rows`` and record its first output (without rows,
        the script loads the model and tokenizer and shows the configuration)."""
        texts = None if rows is None else self.inputs(rows)
        if texts is not None:
            outputs = run_in_batches(self.model, texts, self.forward)
            save_file({"outputs": outputs.contiguous()}, str(folder / EXPECTED_PATH))
        return transformers_example(
            name,
            auto_class=self.auto_class,
            texts=texts,
            prints_labels=self.pipeline_tag == "text-classification"
            and self.task == "classification",
        )


def load_pretrained(folder: Path, facts: ModelFacts, weights_format: str) -> Any:
    """The model of a release through the Auto class of its architecture, from local files
    only and without remote code; pickled weights (allowed by the caller) are read only with
    ``torch.load(weights_only=True)``.

    Example:
        >>> import torch
        >>> words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "a", "good", "bad", "film"]
        >>> tokenizer = transformers.BertTokenizerFast(vocab=dict(zip(words, range(8))))
        >>> config = transformers.BertConfig(vocab_size=8, hidden_size=8, num_hidden_layers=1,
        ...     num_attention_heads=1, intermediate_size=8)
        >>> _ = torch.manual_seed(0)
        >>> model = transformers.BertForSequenceClassification(config)
        >>> folder = Path("staging")
        >>> folder.mkdir()
        >>> facts = TransformersAdapter(model, tokenizer=tokenizer).save(folder)
        >>> load_pretrained(folder, facts, "safetensors")
        BertForSequenceClassification(...)
    """
    auto = getattr(transformers, auto_class_for(facts.estimator)[0])
    options = {"trust_remote_code": False, "local_files_only": True}
    if weights_format == "safetensors":
        with _progress_bars_hidden():
            return auto.from_pretrained(folder, use_safetensors=True, **options).eval()
    config = transformers.AutoConfig.from_pretrained(folder, **options)
    model = auto.from_config(config)
    model.load_state_dict(safe_torch_load(folder / facts.file))
    return model.eval()


def load_tokenizer(folder: Path) -> Any:
    """The tokenizer saved in a release, from local files only and without remote code.

    Example:
        >>> words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "a", "good", "bad", "film"]
        >>> tokenizer = transformers.BertTokenizerFast(vocab=dict(zip(words, range(8))))
        >>> _ = tokenizer.save_pretrained("staging")
        >>> load_tokenizer(Path("staging"))("a good film")["input_ids"]
        [2, 4, 5, 7, 3]
    """
    return transformers.AutoTokenizer.from_pretrained(
        folder, local_files_only=True, trust_remote_code=False
    )


@contextmanager
def _progress_bars_hidden() -> Iterator[None]:
    """Hide transformers' progress bars while a release is written (it prints its own)."""
    shown = transformers.utils.logging.is_progress_bar_enabled()
    transformers.utils.logging.disable_progress_bar()
    try:
        yield
    finally:
        if shown:
            transformers.utils.logging.enable_progress_bar()


def _head_task(model: Any) -> Task | None:
    """The task a sequence classification head implies, or None for other heads."""
    if not type(model).__name__.endswith("ForSequenceClassification"):
        return None
    config = model.config
    if config.problem_type == "regression" or config.num_labels == 1:
        return "regression"
    return "classification"


def _label_names(config: Any) -> list[Any]:
    """The label names of the configuration, or ``0 … k-1`` when they are the defaults."""
    labels = [config.id2label[index] for index in range(config.num_labels)]
    return list(range(config.num_labels)) if all(DEFAULT_LABEL.match(x) for x in labels) else labels


def _hyperparameters(config: Any) -> list[Hyperparameter]:
    """The configuration's plain entries, flagged when they differ from the class defaults."""
    entries = {
        key: value
        for key, value in config.to_dict().items()
        if key not in BOOKKEEPING_KEYS
        and not key.startswith("_")
        and (value is None or isinstance(value, (bool, int, float, str)))
    }
    return config_hyperparameters(entries, type(config)().to_dict())


def _texts_frame(X: Any) -> pd.DataFrame:
    """Texts given as a list, a Series, an array or a one-column DataFrame, as a frame."""
    if isinstance(X, pd.DataFrame):
        if X.shape[1] != 1:
            raise InvalidInputError(f"X has {X.shape[1]} columns; pass one column of texts")
        frame = X
    elif isinstance(X, pd.Series):
        frame = X.to_frame(X.name if X.name is not None else TEXT_COLUMN)
    elif isinstance(X, (list, tuple, np.ndarray)):
        frame = pd.DataFrame({TEXT_COLUMN: list(X)})
    else:
        raise InvalidInputError(f"X is a {type(X).__name__}; pass the texts as a list of strings")
    if not all(isinstance(text, str) for text in frame.iloc[:, 0]):
        raise InvalidInputError(
            "a transformers text model reads texts: every value must be a string"
        )
    return frame
