"""``Release``: the builder used from training code; :meth:`Release.save` returns the saved
release opened as a :class:`~modelshare.bundle.Bundle`.

The model is a fitted scikit-learn estimator or Pipeline, a PyTorch ``nn.Module`` or a
transformers model with its tokenizer; :mod:`modelshare.models` holds one adapter per framework.

Example:
    >>> rel = (
    ...     Release("my-penguins", version="1.0.0", license="mit", authors=["A. Author"])
    ...     .describe(intended_use="Teaching.", out_of_scope="Field identification.")
    ...     .training_data(X_train, y_train, name="Palmer penguins", license="CC0-1.0")
    ...     .split(method="stratified hold-out", test_size=0.2, random_state=0)
    ...     .model(model)
    ...     .evaluate(X_test, y_test, dataset="penguins-test")
    ... )
    >>> rel.save("releases/my-penguins").record.name
    'my-penguins'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from modelshare import __version__
from modelshare.audit.hub_metadata import LICENSES_URL, closest_hub_licenses, hub_license_id
from modelshare.audit.people import people_in_features
from modelshare.bundle import Bundle
from modelshare.card.render import render_card
from modelshare.data import check_same_length, dataset_facts
from modelshare.distribution import OODChoice, ProfiledData, write_distribution
from modelshare.environment import capture_environment, requirements_txt
from modelshare.errors import (
    InvalidInputError,
    ModelshareError,
    UnsafeContentError,
    validation_as_error,
)
from modelshare.evaluate.fairness import MIN_GROUP_SIZE, GroupReport, group_report
from modelshare.evaluate.figures import draw_figures
from modelshare.evaluate.leakage import LabelledRows, checks_not_run, find_leakage
from modelshare.evaluate.metrics import Scores, score_model
from modelshare.evaluate.uncertainty import with_intervals
from modelshare.examples import (
    EXAMPLE_ROWS,
    MADE_UP_TEXTS,
    check_example_choice,
    choose_example_rows,
    run_example,
)
from modelshare.fsutil import atomic_directory, ensure_free_target
from modelshare.layout import (
    CARD_FILE,
    EXAMPLE_PATH,
    EXAMPLES_FOLDER,
    RECORD_FILE,
    REQUIREMENTS_FILE,
    slug,
)
from modelshare.manifest import write_manifest
from modelshare.models import CONVERT_HINT, adapter_for
from modelshare.models.base import ModelAdapter
from modelshare.models.training import optimizer_facts
from modelshare.profiling import build_profile
from modelshare.profiling.model import DataProfile
from modelshare.profiling.synthetic import synthetic_rows
from modelshare.record import (
    HUMAN_FACT_FIELDS,
    NAME_RULE,
    VERSION_RULE,
    Bootstrap,
    DatasetFacts,
    EvaluationResult,
    ExampleRows,
    HumanFacts,
    LeakageFinding,
    ModelFacts,
    PreprocessingStep,
    Provenance,
    ReleaseRecord,
    SplitRecord,
    TrainingFacts,
    is_hub_name,
    is_version,
)
from modelshare.safety import scan_file
from modelshare.shift.ood import TPR
from modelshare.tables import as_target


def validate_name(name: str) -> str:
    """A release name must be usable as a Hub repository name.

    Example:
        >>> validate_name("penguin-species")
        'penguin-species'
    """
    if not is_hub_name(name or ""):
        raise InvalidInputError(f"invalid release name {name!r}: use {NAME_RULE}")
    return name


def validate_version(version: str) -> str:
    """A version must be a plain token such as ``1.0.0`` or ``2024-06-rc1``, usable as a tag.

    Example:
        >>> validate_version("1.0.0")
        '1.0.0'
    """
    if not is_version(version or ""):
        raise InvalidInputError(f"invalid version {version!r}: use {VERSION_RULE}, e.g. 1.0.0")
    return version


@dataclass
class _Dataset:
    """A dataset as given; measured at save time, read the way the attached model reads it."""

    X: Any
    y: pd.Series
    name: str
    provenance: Provenance | None = None
    file: Path | None = None

    def facts(self, frame: pd.DataFrame, task: str) -> DatasetFacts:
        """The measured facts of this dataset, read as ``frame``, for a model of ``task``."""
        return dataset_facts(
            frame, self.y, self.name, provenance=self.provenance, file=self.file, task=task
        )

    def rows(self, frame: pd.DataFrame, checksum: str, split: str) -> LabelledRows:
        """This dataset as the leakage checks read it."""
        return LabelledRows(self.name, frame, self.y, checksum, split, self.X)


@dataclass
class _Evaluation:
    """An evaluation dataset, as the model read it, with the scores measured on it."""

    data: _Dataset
    frame: pd.DataFrame
    split: str
    scores: Scores
    predictor: Any
    groups: GroupReport | None = None

    def profiled(self) -> ProfiledData:
        """This dataset as its profile and the out-of-distribution thresholds read it."""
        return ProfiledData(self.data.name, self.frame, self.data.y, self.split, self.predictor)


class Release:
    """Collects a fitted model, its data and the human facts, then saves a release folder.

    Every method returns the release, so calls can be chained.

    Raises:
        InvalidInputError: an invalid name, version or license (also a :class:`ValueError`).
    """

    def __init__(
        self,
        name: str,
        *,
        version: str = "0.1.0",
        license: str | None = None,
        authors: list[str] | None = None,
        contact: str | None = None,
        description: str | None = None,
    ) -> None:
        self.name = validate_name(name)
        self.version = validate_version(version)
        self.license = hub_license(license)
        self.authors = list(authors or [])
        self.contact = contact
        self.description = description
        self.facts = HumanFacts()
        self.waivers: dict[str, str] = {}
        self._training: _Dataset | None = None
        self._split: SplitRecord | None = None
        self._declared_steps: list[PreprocessingStep] = []
        self._adapter: ModelAdapter | None = None
        self._procedure: TrainingFacts | None = None
        self._evaluations: list[_Evaluation] = []
        self._bootstrap = Bootstrap()
        self._ood = OODChoice()
        self._private = False

    def describe(self, **facts: str | None) -> Release:
        """Record what only the authors know: intended use, out-of-scope use, limitations,
        ethical considerations, acknowledgments, citation.

        Example:
            >>> rel = Release("my-penguins")
            >>> rel = rel.describe(intended_use="Teaching classification.", citation="@misc{...}")
            >>> rel.facts.intended_use
            'Teaching classification.'

        Raises:
            InvalidInputError: a field that is not one of the human facts.
        """
        unknown = sorted(set(facts) - set(HUMAN_FACT_FIELDS))
        if unknown:
            raise InvalidInputError(
                f"describe() got unknown field(s) {', '.join(unknown)}; "
                f"fields: {', '.join(HUMAN_FACT_FIELDS)}"
            )
        self.facts = HumanFacts(**{**self.facts.model_dump(), **facts})
        return self

    def training_data(
        self,
        X: Any,
        y: Any,
        *,
        name: str,
        source: str | None = None,
        license: str | None = None,
        owner: str | None = None,
        collection: str | None = None,
        consent: str | None = None,
        file: str | Path | None = None,
        private: bool = False,
    ) -> Release:
        """Measure the training data and record where it comes from and on what terms.
        ``private``: no row of it may be published, so the example of the release predicts
        on synthetic rows unless told otherwise (see :meth:`save`).

        Example:
            >>> rel = Release("my-penguins")
            >>> rel.training_data(X_train, y_train, name="Palmer penguins", license="CC0-1.0")
            <modelshare.release.Release object at ...>

        Raises:
            InvalidInputError: ``X`` and ``y`` of different lengths, a table that cannot be read,
                or a target without values.
        """
        provenance = Provenance(
            name=name,
            source=source,
            license=license,
            owner=owner,
            collection=collection,
            consent=consent,
        )
        self._training = self._given(X, y, name, provenance, file)
        self._private = private
        return self

    def split(
        self,
        method: str,
        *,
        test_size: float | None = None,
        random_state: int | None = None,
        time_column: str | None = None,
        **details: Any,
    ) -> Release:
        """Record how the data was split into training and evaluation sets.

        ``time_column`` names a column of the data as given that holds each row's time: the
        release then checks that no evaluation row is earlier than the latest training row.

        Example:
            >>> rel = Release("my-penguins")
            >>> rel = rel.split("stratified hold-out", test_size=0.2, random_state=0)
            >>> rel = rel.split("by date", time_column="date")  # a later split replaces it

        Raises:
            InvalidInputError: a value of the wrong type or range.
        """
        with validation_as_error("split()"):
            self._split = SplitRecord(
                method=method,
                test_size=test_size,
                random_state=random_state,
                time_column=time_column,
                details=details,
            )
        return self

    def add_step(
        self,
        kind: str,
        method: str,
        *,
        columns: list[str] | None = None,
        rows_removed: int | None = None,
        name: str | None = None,
    ) -> Release:
        """Record a preprocessing step done outside the model, e.g. an outlier filter.

        Example:
            >>> rel = Release("my-penguins")
            >>> rel = rel.add_step("outlier filter", "rows with body mass over 3 IQR removed",
            ...                    columns=["body_mass_g"], rows_removed=2)
        """
        self._declared_steps.append(
            PreprocessingStep(
                kind=kind,
                name=name or kind,
                method=method,
                columns=list(columns or []),
                rows_removed=rows_removed,
                source="declared",
            )
        )
        return self

    def model(self, model: Any, **options: Any) -> Release:
        """Attach the fitted model, with what its framework needs to describe it.

        - scikit-learn: a fitted estimator or Pipeline (or the path of a skops file).
        - PyTorch: any ``torch.nn.Module`` with ``task="classification"`` or
          ``"regression"``, ``config=`` (the arguments that rebuild it; a
          ``PyTorchModelHubMixin`` class or a module with a ``config`` dict supplies its own),
          ``classes=`` (labels of the outputs, in order) and ``pipeline_tag=`` (the Hub task).
        - transformers: the model with ``tokenizer=``; ``task``, ``classes`` and
          ``base_model`` default from its configuration.

        Example:
            >>> rel = Release("my-penguins").model(model)
            >>> import torch
            >>> net, config = torch.nn.Linear(4, 3), {"in_features": 4, "out_features": 3}
            >>> species = ["Adelie", "Chinstrap", "Gentoo"]
            >>> rel = rel.model(net, task="classification", config=config, classes=species)
            >>> import transformers
            >>> config = transformers.BertConfig(vocab_size=8, hidden_size=8, num_hidden_layers=1,
            ...     num_attention_heads=1, intermediate_size=8)
            >>> bert = transformers.BertForSequenceClassification(config)
            >>> tokenizer = transformers.BertTokenizerFast(vocab={"[UNK]": 0, "film": 1})
            >>> rel = rel.model(bert, tokenizer=tokenizer)

        Raises:
            InvalidInputError: a model modelshare does not support, not fitted, or options
                its framework does not take.
        """
        self._adapter = adapter_for(model, **options)
        return self

    def training(
        self,
        *,
        optimizer: Any = None,
        epochs: int | None = None,
        batch_size: int | None = None,
        early_stopping: str | None = None,
        seed: int | None = None,
        **details: Any,
    ) -> Release:
        """Record how the model was trained: the optimizer used (its settings are read from
        it), epochs, batch size, the early-stopping rule, the seed, and any other detail.
        Dropout is read from the model itself.

        Example:
            >>> import torch
            >>> optimizer = torch.optim.Adam(torch.nn.Linear(4, 3).parameters(), lr=1e-3)
            >>> rel = Release("my-net")
            >>> rel = rel.training(optimizer=optimizer, epochs=20, batch_size=32, seed=0,
            ...     early_stopping="patience 3 on validation loss", loss="cross-entropy")

        Raises:
            InvalidInputError: an optimizer that is not one, or a value of the wrong type.
        """
        with validation_as_error("training()"):
            self._procedure = TrainingFacts(
                optimizer=optimizer_facts(optimizer) if optimizer is not None else None,
                epochs=epochs,
                batch_size=batch_size,
                early_stopping=early_stopping,
                seed=seed,
                details=details,
            )
        return self

    def evaluate(
        self,
        X: Any,
        y: Any,
        *,
        dataset: str,
        split: str = "test",
        file: str | Path | None = None,
        predict: Callable[[Any], Any] | None = None,
        sensitive_features: Any = None,
        min_group_size: int = MIN_GROUP_SIZE,
    ) -> Release:
        """Measure the model on one evaluation dataset; call once per dataset.

        ``X`` takes the model's inputs: a DataFrame or array (scikit-learn), a tensor or
        array (PyTorch), texts (transformers). ``predict``, for PyTorch and transformers,
        replaces the model's own outputs: it gets the inputs in that form and returns labels,
        class scores or values. ``sensitive_features``, a DataFrame of the same rows (such as
        ``df[["sex"]]``), adds metrics per group of each of its columns; groups of fewer than
        ``min_group_size`` rows are withheld.

        Example:
            >>> rel = Release("my-penguins").model(model)
            >>> rel = rel.evaluate(X_test, y_test, dataset="penguins-test")
            >>> y_new, groups = example.y_later, X_new[["sex"]]
            >>> rel = rel.evaluate(X_new, y_new, dataset="2009", sensitive_features=groups)
            >>> import torch
            >>> net = torch.nn.Linear(64, 10)
            >>> images, labels = torch.randint(0, 256, (20, 64)).float(), np.arange(20) % 10
            >>> rel = Release("my-digits").model(net, task="classification", config={})
            >>> rel = rel.evaluate(images, labels, dataset="digits-test",
            ...                    predict=lambda x: net(x / 255))

        Raises:
            InvalidInputError: a dataset name already used, data that does not fit the model,
                or sensitive features of other rows.
            ModelshareError: no model attached yet.
        """
        adapter = self._attached()
        taken = next(
            (e.data.name for e in self._evaluations if slug(e.data.name) == slug(dataset)), None
        )
        if taken is not None:
            reason = (
                "was already evaluated" if taken == dataset else f"shares its files with {taken!r}"
            )
            raise InvalidInputError(f"dataset {dataset!r} {reason}; use another name")
        measured = self._given(X, y, dataset, None, file)
        frame = adapter.features(measured.X)
        predictor = adapter.predictor(predict)
        _check_labels(getattr(predictor, "classes_", None), measured.y, dataset)
        scores = score_model(predictor, frame, measured.y, adapter.task, dataset=dataset)
        groups = None
        if sensitive_features is not None:
            groups = group_report(scores.predictions, sensitive_features, min_group_size)
        self._evaluations.append(_Evaluation(measured, frame, split, scores, predictor, groups))
        return self

    def bootstrap(
        self, *, resamples: int = 1000, confidence: float = 0.95, seed: int = 0
    ) -> Release:
        """Set how the confidence intervals of the metrics are computed (the defaults unless
        called): percentile intervals over ``resamples`` resamples of each dataset's rows.

        Example:
            >>> rel = Release("my-penguins").bootstrap(resamples=2000, confidence=0.9, seed=7)

        Raises:
            InvalidInputError: a value out of range.
        """
        with validation_as_error("bootstrap()"):
            self._bootstrap = Bootstrap(resamples=resamples, confidence=confidence, seed=seed)
        return self

    def ood_calibration(self, *, dataset: str | None = None, tpr: float = TPR) -> Release:
        """Choose how the out-of-distribution thresholds are calibrated: on the evaluation
        ``dataset`` (held-out rows from the training distribution; by default the first
        evaluated with split ``validation``, else the first not ``train``), each accepting
        ``tpr`` of its rows.

        Example:
            >>> X_val, y_val = X_test[:30], y_test[:30]
            >>> rel = Release("my-penguins").model(model)
            >>> rel = rel.evaluate(X_val, y_val, dataset="penguins-validation", split="validation")
            >>> rel = rel.ood_calibration(dataset="penguins-validation", tpr=0.99)

        Raises:
            InvalidInputError: ``tpr`` is not between 0 and 1.
        """
        if not 0 < tpr < 1:
            raise InvalidInputError(f"ood_calibration(): tpr must lie between 0 and 1, not {tpr}")
        self._ood = OODChoice(dataset, tpr)
        return self

    def waive(self, item: str, reason: str) -> Release:
        """Declare a checklist item not applicable, with the reason shown in the card.

        Example:
            >>> rel = Release("my-penguins")
            >>> rel.waive("ethics.fairness", "no human data: measurements of penguins").waivers
            {'ethics.fairness': 'no human data: measurements of penguins'}

        Raises:
            InvalidInputError: no reason given.
        """
        if not reason or not reason.strip():
            raise InvalidInputError(f"waive({item!r}): give the reason the item does not apply")
        self.waivers[item] = reason.strip()
        return self

    def save(
        self, path: str | Path, *, overwrite: bool = False, example_rows: Any = "auto"
    ) -> Bundle:
        """Write the release folder atomically and return it opened; nothing is printed.

        The folder is built in a hidden sibling, the example is run in a fresh process, and
        only then is the folder renamed into place. An existing non-empty folder is refused,
        unless ``overwrite=True`` and it is a folder modelshare wrote (a release); the
        current folder, its parents, the home folder and a folder holding a data file given
        to this release never are (:func:`modelshare.fsutil.ensure_free_target`). To audit
        the saved release, pass its path to :func:`modelshare.audit.check.check_path`; to
        follow the hashing of large files, save inside
        :func:`modelshare.progress.reporting_progress`.

        Example:
            >>> rel = Release("my-penguins", license="mit", authors=["A. Author"]).model(model)
            >>> rel = rel.training_data(X_train, y_train, name="Palmer penguins")
            >>> rel = rel.evaluate(X_test, y_test, dataset="penguins-test")
            >>> bundle = rel.save("releases/my-penguins")
            >>> bundle.record.model.estimator
            'LogisticRegression'
            >>> from modelshare.audit.check import check_path
            >>> from modelshare.audit.report import summary_line
            >>> summary_line(check_path(bundle.path))
            'required 9/18 met, recommended 5/8 met (2 partial), risks raised: 6 (0 blocking)'

        ``example_rows`` says what the release's example predicts on (the card says which):
        ``"synthetic"`` rows drawn from the training-data profile, ``"evaluation"``, the first
        rows of the first evaluation dataset (real rows, published), ``"none"``, or a table of
        rows of the authors' choosing. By default (``"auto"``) synthetic rows where the data
        involves people or was marked ``private``, else the evaluation rows.

        Raises:
            InvalidInputError: the target may not be written or replaced, an evaluation
                dataset chosen for OOD calibration was not evaluated, or ``example_rows`` is
                no choice (or ``"synthetic"`` when no synthetic row can be drawn).
            UnsafeContentError: the model's weights were written in a format that runs code.
            ModelshareError: no model or no training data, or the example failed.
        """
        check_example_choice(example_rows)
        target = Path(path)
        given = [self._training, *(evaluation.data for evaluation in self._evaluations)]
        inputs = [data.file for data in given if data is not None and data.file is not None]
        ensure_free_target(target, overwrite=overwrite, inputs=inputs)
        if self._adapter is None:
            raise ModelshareError("no model: call model(fitted_model) before save()")
        if self._training is None:
            raise ModelshareError("no training data: call training_data(X, y, name=...) first")
        with atomic_directory(target, overwrite=overwrite, inputs=inputs) as staging:
            record = self._write(staging, example_rows)
        return Bundle(target, record)

    def _given(
        self, X: Any, y: Any, name: str, provenance: Provenance | None, file: str | Path | None
    ) -> _Dataset:
        """X as given and y as a Series, checked to describe the same rows."""
        target = as_target(y)
        check_same_length(X, target, name)
        return _Dataset(X, target, name, provenance, Path(file) if file else None)

    def _attached(self) -> ModelAdapter:
        """The adapter of the attached model."""
        if self._adapter is None:
            raise ModelshareError("call model() first: the data is read the way the model reads it")
        return self._adapter

    @property
    def _task(self) -> str:
        """The model's task: classification or regression."""
        return self._attached().task

    def _write(self, staging: Path, example_choice: Any) -> ReleaseRecord:
        """Write every file of the release into ``staging``; return the record."""
        adapter = self._attached()
        assert self._training is not None
        training_frame = adapter.features(self._training.X)
        model_facts = adapter.save(staging)
        _refuse_pickled_weights(staging / model_facts.file)
        model_facts = model_facts.model_copy(update={"training": self._training_facts()})
        training_facts = self._training.facts(training_frame, adapter.task)
        profile = build_profile(training_frame, self._training.y)
        distribution = write_distribution(
            staging, profile, [e.profiled() for e in self._evaluations], self._ood
        )
        evaluations = [self._evaluation_result(e, staging) for e in self._evaluations]
        rows, example_facts = self._example_rows(
            example_choice, training_frame, profile, model_facts.framework
        )
        leakage, not_run = self._leakage(training_frame, training_facts, evaluations)
        record = self._record(model_facts, training_facts, evaluations, leakage).model_copy(
            update={"example_rows": example_facts, "leakage_not_run": not_run}
        )
        (staging / EXAMPLES_FOLDER).mkdir()
        example = adapter.example(self.name, rows, record.model, staging)
        (staging / EXAMPLE_PATH).write_text(example, encoding="utf-8")
        (staging / REQUIREMENTS_FILE).write_text(
            requirements_txt(record.environment.packages), encoding="utf-8"
        )
        (staging / RECORD_FILE).write_text(record.model_dump_json(indent=2), encoding="utf-8")
        card = render_card(record, example, distribution=distribution)
        (staging / CARD_FILE).write_text(card, encoding="utf-8")
        run_example(staging, *adapter.import_roots())
        write_manifest(staging)
        return record

    def _example_rows(
        self, choice: Any, training_frame: pd.DataFrame, profile: DataProfile, framework: str
    ) -> tuple[pd.DataFrame | None, ExampleRows]:
        """The rows the example predicts on, as the author chose (see :meth:`save`); synthetic
        rows are drawn from ``profile``, the training data's."""
        adapter = self._attached()
        assert self._training is not None
        if not isinstance(choice, str):
            choice = adapter.features(choice)
        first = self._evaluations[0] if self._evaluations else None
        real: tuple[Literal["evaluation", "training"], str, pd.DataFrame] = (
            ("evaluation", first.data.name, first.frame)
            if first is not None
            else ("training", self._training.name, training_frame)
        )

        def synthetic() -> pd.DataFrame:
            if framework == "transformers":
                return pd.DataFrame({training_frame.columns[0]: list(MADE_UP_TEXTS)})
            return synthetic_rows(profile, training_frame.dtypes.to_dict(), EXAMPLE_ROWS)

        return choose_example_rows(
            choice,
            real=real,
            synthetic=synthetic,
            people=[
                str(name) for name in training_frame.columns if people_in_features([str(name)])
            ],
            private=self._private,
            made_up=framework == "transformers",
        )

    def _evaluation_result(self, evaluation: _Evaluation, staging: Path) -> EvaluationResult:
        """The record of one evaluation: metrics with their intervals, per-group results, and
        its figures drawn into images/."""
        scores, name, groups = evaluation.scores, evaluation.data.name, evaluation.groups
        return EvaluationResult(
            dataset=evaluation.data.facts(evaluation.frame, self._task),
            split=evaluation.split,
            metrics=with_intervals(scores.metrics, scores.predictions, self._bootstrap),
            labels=scores.labels,
            confusion_matrix=scores.confusion_matrix,
            images=draw_figures(scores, groups, name, slug(name), staging),
            **(groups.record_fields() if groups else {}),
        )

    def _leakage(
        self,
        training_frame: pd.DataFrame,
        training_facts: DatasetFacts,
        evaluations: list[EvaluationResult],
    ) -> tuple[list[LeakageFinding], dict[str, str]]:
        """The leakage checks of the training data against every evaluation dataset: what
        they found, and those that could not run, with the reason."""
        assert self._training is not None
        training = self._training.rows(training_frame, training_facts.checksum, "train")
        findings = find_leakage(
            training,
            [
                given.data.rows(given.frame, result.dataset.checksum, given.split)
                for given, result in zip(self._evaluations, evaluations, strict=True)
            ],
            self._task,
            self._split.time_column if self._split else None,
        )
        return findings, checks_not_run(training)

    def _training_facts(self) -> TrainingFacts | None:
        """The procedure given with ``training()``, with the dropout read from the model."""
        dropout = self._attached().dropout()
        if self._procedure is None and not dropout:
            return None
        return (self._procedure or TrainingFacts()).model_copy(update={"dropout": dropout})

    def _record(
        self,
        model_facts: ModelFacts,
        training_data: DatasetFacts,
        evaluations: list[EvaluationResult],
        leakage: list[LeakageFinding],
    ) -> ReleaseRecord:
        """The release record for the measured facts."""
        adapter = self._attached()
        seeds = adapter.seeds()
        if self._procedure is not None and self._procedure.seed is not None:
            seeds = {"training": self._procedure.seed, **seeds}
        if self._split is not None and self._split.random_state is not None:
            seeds = {"split": self._split.random_state, **seeds}
        with validation_as_error("invalid release"):
            return ReleaseRecord(
                modelshare_version=__version__,
                created_at=datetime.now(timezone.utc),
                name=self.name,
                version=self.version,
                license=self.license,
                authors=self.authors,
                contact=self.contact,
                description=self.description,
                describe=self.facts,
                training_data=training_data,
                split=self._split,
                preprocessing=adapter.preprocessing() + self._declared_steps,
                model=model_facts,
                evaluation=evaluations,
                bootstrap=self._bootstrap if evaluations else None,
                leakage=leakage,
                environment=capture_environment(adapter.modules(), seeds, cwd=Path.cwd()),
                waive=self.waivers,
            )


def hub_license(license: str | None) -> str | None:
    """The Hub's id for a model license as people write it (``MIT License`` -> ``mit``).

    Example:
        >>> hub_license("Apache License, Version 2.0")
        'apache-2.0'

    Raises:
        InvalidInputError: the Hub knows no such license; the message names the closest ids.
    """
    if license is None:
        return None
    found = hub_license_id(license)
    if found is not None:
        return found
    closest = closest_hub_licenses(license)
    hint = f"did you mean {' or '.join(map(repr, closest))}? Otherwise, " if closest else ""
    raise InvalidInputError(
        f"license {license!r} is not one the Hugging Face Hub knows: {hint}use an id from "
        f"{LICENSES_URL}, or 'other' and say which in the card"
    )


def _check_labels(classes: Any, y: pd.Series, dataset: str) -> None:
    """Refuse a dataset none of whose labels is a class of the model (class names differ)."""
    if classes is None:
        return
    known = {str(label) for label in classes}
    if not known & {str(label) for label in y.dropna().unique()}:
        shown = ", ".join(sorted(known)[:5])
        raise InvalidInputError(
            f"no label of dataset {dataset!r} is one of the model's classes ({shown}); pass "
            "classes= to Release.model(...) with the label of each output, in order"
        )


def _refuse_pickled_weights(path: Path) -> None:
    """Refuse weights that were written as a pickle (a class may override how it saves)."""
    scan = scan_file(path)
    if scan.contains_pickle or not scan.content_safe:
        raise UnsafeContentError(
            f"the model was saved as {path.name} in {scan.format} format, which can run code "
            f"when loaded; {CONVERT_HINT}"
        )
