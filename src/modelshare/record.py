"""The release record: every fact behind the card, as pydantic models.

``modelshare.json`` in a release is a serialised :class:`ReleaseRecord`. The card, the audit and
every later tool read this record; nothing is parsed back out of the card.

Example:
    >>> text = Path("releases/penguin-species/modelshare.json").read_text()
    >>> ReleaseRecord.model_validate_json(text).training_data.n_samples
    179
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from modelshare.errors import InvalidInputError, first_validation_error
from modelshare.layout import CONFIG_FILE, EXAMPLE_PATH, SKOPS_FILE

SCHEMA_VERSION = "1.0"

HUB_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?")
"""A Hub repository name (or organisation): at most 96 characters."""

VERSION = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._+-]{0,62}[A-Za-z0-9])?")
"""A release version, usable as a git tag: at most 64 characters."""


def is_hub_name(part: str) -> bool:
    """Whether ``part`` can name a Hub repository or organisation: letters, digits, ``.``,
    ``_``, ``-``, starting and ending with a letter or digit, no ``..`` or ``--``.

    Example:
        >>> is_hub_name("penguin-species"), is_hub_name("../etc")
        (True, False)
    """
    return bool(HUB_NAME.fullmatch(part)) and ".." not in part and "--" not in part


def is_version(version: str) -> bool:
    """Whether ``version`` can be a release version and the git tag a Hub gives it: letters,
    digits, ``.``, ``_``, ``+``, ``-``, starting and ending with a letter or digit, no ``..``.

    Example:
        >>> is_version("2024-06-rc1"), is_version("1..0"), is_version("1.0-")
        (True, False, False)
    """
    return bool(VERSION.fullmatch(version)) and ".." not in version


NAME_RULE = (
    "letters, digits, '-', '_' or '.', at most 96 characters, starting and ending with a "
    "letter or digit"
)
VERSION_RULE = (
    "letters, digits, '.', '_', '+' or '-', at most 64 characters, starting and ending with "
    "a letter or digit, no '..'"
)


def _held_to(rule: Callable[[str], bool], what: str) -> AfterValidator:
    """A validator refusing a value that breaks ``rule``, saying what is expected."""

    def check(value: str) -> str:
        if not rule(value):
            raise ValueError(f"expected {what}")
        return value

    return AfterValidator(check)


def _checked_relative_path(path: str) -> str:
    from modelshare.manifest import unsafe_path_reason

    reason = unsafe_path_reason(path)
    if reason:
        raise ValueError(f"path {path!r} {reason}")
    return path


def _checked_file_name(name: str) -> str:
    if "/" in _checked_relative_path(name):
        raise ValueError(f"{name!r} is not a file at the top of the release folder")
    return name


ReleaseName = Annotated[str, _held_to(is_hub_name, NAME_RULE)]
"""A release name as ``Release()`` accepts it; a record read from anywhere is held to it."""
ReleaseVersion = Annotated[str, _held_to(is_version, VERSION_RULE)]
RelativePath = Annotated[str, AfterValidator(_checked_relative_path)]
"""A path inside the release folder: relative, '/'-separated, no '..'."""
FileName = Annotated[str, AfterValidator(_checked_file_name)]


RELEASE_FIELDS: dict[str, str] = {
    "license": "the model license, as a Hub license id (e.g. mit, apache-2.0)",
    "authors": "who developed the model",
    "contact": "where to send questions and reports (e-mail or issue tracker)",
    "description": "a short summary of what the model does",
}
"""Human facts given to ``Release(...)`` itself, each with the question it answers."""

HUMAN_FACT_FIELDS: dict[str, str] = {
    "intended_use": "what the model is for and who should use it",
    "out_of_scope": "uses the model must not be put to",
    "limitations": "known limitations, failure modes and biases",
    "ethical_considerations": "ethical considerations: people affected, fairness, misuse",
    "acknowledgments": "people, funders and data providers to thank",
    "citation": "how to cite the model (BibTeX or text)",
}
"""Fields of :class:`HumanFacts`, each with the question it answers."""

PROVENANCE_FIELDS: dict[str, str] = {
    "source": "where the data comes from (URL, DOI or description)",
    "license": "the data license (SPDX id, e.g. CC0-1.0)",
    "owner": "who owns the data",
    "collection": "how the data was collected",
    "consent": "how consent was obtained, or why none was needed",
}
"""Fields of :class:`Provenance` besides its name, each with the question it answers."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class HumanFacts(_Model):
    """What only the authors know about the model (``Release.describe``)."""

    intended_use: str | None = None
    out_of_scope: str | None = None
    limitations: str | None = None
    ethical_considerations: str | None = None
    acknowledgments: str | None = None
    citation: str | None = None


class Provenance(_Model):
    """Where a dataset comes from and on what terms (typed by a person)."""

    name: str
    source: str | None = None
    license: str | None = None
    owner: str | None = None
    collection: str | None = None
    consent: str | None = None


FeatureKind = Literal["numeric", "boolean", "categorical", "datetime"]


class FeatureFacts(_Model):
    """One input column as measured."""

    name: str
    dtype: str
    kind: FeatureKind
    missing: int
    distinct: int


class TargetFacts(_Model):
    """The target as measured; class counts only for classification targets."""

    name: str
    type: str = Field(description="scikit-learn's type_of_target: binary, multiclass, continuous…")
    missing: int = 0
    class_counts: dict[str, int] | None = None
    imbalance_ratio: float | None = Field(None, description="largest class / smallest class")
    minority_share: float | None = Field(None, description="share of the smallest class")
    imbalanced: bool = Field(False, description="minority share under the documented threshold")


class DatasetFacts(_Model):
    """A dataset as measured: size, features, target, checksum."""

    name: str
    n_samples: int
    n_features: int
    features: list[FeatureFacts]
    target: TargetFacts
    checksum: str = Field(description="sha256 over the column names, dtypes and row hashes")
    file: str | None = Field(None, description="file name, when read from a file")
    file_sha256: str | None = None
    provenance: Provenance | None = None


class PreprocessingStep(_Model):
    """One preprocessing step, read from the fitted pipeline or declared by the authors."""

    kind: str = Field(description="imputer, scaler, encoder, feature selector, outlier filter…")
    name: str = Field(description="where the step sits, e.g. 'columntransformer/num/imputer'")
    estimator: str | None = Field(None, description="class name, when read from the pipeline")
    method: str = Field(description="what it does, in words")
    columns: list[str] = Field(default_factory=list, description="input columns it applies to")
    params: dict[str, Any] = Field(default_factory=dict)
    kept: list[str] | None = Field(None, description="feature selectors: the features kept")
    rows_removed: int | None = Field(None, description="filters: rows removed")
    source: Literal["pipeline", "declared"] = "pipeline"


class SplitRecord(_Model):
    """How the data was split into training and evaluation sets, as recorded."""

    method: str
    test_size: float | None = None
    random_state: int | None = None
    time_column: str | None = Field(
        None, description="column holding each row's time: evaluation rows must be later"
    )
    details: dict[str, Any] = Field(default_factory=dict)


class Hyperparameter(_Model):
    """One constructor parameter of the final estimator."""

    name: str
    value: Any
    default: Any = None
    non_default: bool = False
    default_known: bool = Field(
        True, description="whether the class declares a default (non_default is False if not)"
    )


Framework = Literal["scikit-learn", "pytorch", "transformers"]
WeightsFormat = Literal["skops", "safetensors"]


class BlockFacts(_Model):
    """One top-level block of a network: a child module or a parameter held directly."""

    name: str
    type: str = Field(description="class name, or 'Parameter' for a tensor held directly")
    parameters: int


class ArchitectureFacts(_Model):
    """A network's module tree, summarised."""

    layers: dict[str, int] = Field(description="leaf layer type -> how many the network holds")
    blocks: list[BlockFacts] = Field(default_factory=list, description="top-level, in order")
    total_parameters: int
    trainable_parameters: int
    dtype: str = Field(description="parameter dtype, e.g. 'float32'; several joined by ', '")
    input_shape: list[int] | None = Field(None, description="shape of one input example")


class OptimizerFacts(_Model):
    """The optimizer as read from the object used in training."""

    name: str = Field(description="class name, e.g. 'Adam'")
    path: str = Field(description="module path of the class")
    settings: dict[str, Any] = Field(default_factory=dict, description="its default settings")
    groups: list[dict[str, Any]] = Field(
        default_factory=list,
        description="per parameter group: its size and the settings that differ from `settings`",
    )


class TrainingFacts(_Model):
    """How a network was trained: given with ``Release.training``, dropout read from the model."""

    optimizer: OptimizerFacts | None = None
    epochs: int | None = None
    batch_size: int | None = None
    early_stopping: str | None = Field(None, description="the rule, and where training stopped")
    seed: int | None = None
    dropout: dict[str, float] = Field(
        default_factory=dict, description="dropout layer -> probability, read from the model"
    )
    details: dict[str, Any] = Field(default_factory=dict, description="anything else given")


class ModelFacts(_Model):
    """The model as read from the fitted object."""

    framework: Framework
    estimator: str = Field(description="class name of the final estimator or network")
    estimator_path: str = Field(description="module path of the final estimator's class")
    task: Literal["classification", "regression"]
    steps: list[str] = Field(
        default_factory=list, description="pipeline outline, or a network's top-level blocks"
    )
    hyperparameters: list[Hyperparameter] = Field(default_factory=list)
    classes: list[str] | None = None
    feature_names_in: list[str] | None = None
    file: FileName = SKOPS_FILE
    format: WeightsFormat = "skops"
    size_bytes: int = 0
    trusted_types: list[str] = Field(
        default_factory=list,
        description="types skops.io.load must be told to trust: the publisher's request; "
        "the receiver's trust policy decides",
    )
    library_name: str | None = Field(None, description="the Hub's library id, when it has one")
    pipeline_tag: str | None = Field(None, description="the Hub's task id")
    tags: list[str] = Field(default_factory=list, description="Hub tags for this kind of model")
    base_model: str | None = Field(None, description="Hub id of the model it was fine-tuned from")
    config: dict[str, Any] | None = Field(None, description=f"{CONFIG_FILE} as written")
    hub_mixin: bool = Field(
        False, description="the class uses PyTorchModelHubMixin: Class.from_pretrained loads it"
    )
    rebuildable: bool = Field(
        False, description=f"PyTorch: the class built from {CONFIG_FILE} holds the saved tensors"
    )
    architecture: ArchitectureFacts | None = None
    training: TrainingFacts | None = None


class Metric(_Model):
    """One metric value on one dataset; ``type`` is the Hub metric id."""

    type: str
    name: str
    value: float
    args: dict[str, Any] | None = None
    ci_low: float | None = Field(None, description="lower bound of the bootstrap interval")
    ci_high: float | None = Field(None, description="upper bound of the bootstrap interval")


class Bootstrap(_Model):
    """How the confidence intervals of the metrics were computed."""

    method: Literal["percentile"] = "percentile"
    resamples: int = Field(1000, ge=100, description="resamples of the rows, with replacement")
    confidence: float = Field(0.95, gt=0, lt=1)
    seed: int = Field(0, ge=0, description="seed of numpy's default_rng, per dataset")


class GroupMetric(_Model):
    """One metric of the model on the rows of one group of a sensitive feature."""

    feature: str
    group: str
    n: int = Field(description="rows of the group")
    metric: str = Field(description="selection_rate, accuracy, true_positive_rate, mae, …")
    value: float | None = Field(None, description="None when undefined for the group")


class FairnessSummary(_Model):
    """A between-group measure of one sensitive feature, with its documented threshold."""

    feature: str
    measure: str = Field(description="demographic_parity_difference, equalized_odds_difference…")
    value: float
    threshold: float
    beyond: bool = Field(description="the gap between groups is beyond the threshold")


class EvaluationResult(_Model):
    """Metrics of the model on one evaluation dataset."""

    dataset: DatasetFacts
    split: str = "test"
    metrics: list[Metric]
    labels: list[str] | None = None
    confusion_matrix: list[list[int]] | None = None
    images: list[RelativePath] = Field(default_factory=list)
    sensitive_features: list[str] = Field(
        default_factory=list, description="features the model was evaluated per group of"
    )
    group_metrics: list[GroupMetric] = Field(default_factory=list)
    fairness: list[FairnessSummary] = Field(default_factory=list)
    suppressed_groups: dict[str, int] = Field(
        default_factory=dict,
        description="sensitive feature -> groups withheld for having fewer rows than "
        "min_group_size",
    )
    min_group_size: int | None = Field(None, description="smallest group shown")

    def headline_metrics(self) -> dict[str, float]:
        """The first metric of each Hub metric id, by id: the card's headline numbers.

        Example:
            >>> evaluation = record.evaluation[1]
            >>> evaluation.headline_metrics()["f1"]  # macro F1, not a per-class value
            0.993
        """
        headline: dict[str, float] = {}
        for metric in self.metrics:
            headline.setdefault(metric.type, metric.value)
        return headline


LeakageCheck = Literal["overlap", "proxy", "training_data", "temporal"]


class LeakageFinding(_Model):
    """One sign that an evaluation overstates the model, with its evidence."""

    check: LeakageCheck
    dataset: str | None = Field(None, description="the evaluation dataset concerned")
    feature: str | None = Field(None, description="proxy: the feature that predicts the target")
    count: int | None = Field(None, description="overlap, temporal: rows concerned")
    value: float | None = Field(
        None,
        description="proxy: the score that feature alone reaches; overlap: the share of rows "
        "expected to match a training row by chance",
    )
    evidence: str


class GitState(_Model):
    """The git checkout the release was built from."""

    commit: str
    dirty: bool
    branch: str | None = None


class Environment(_Model):
    """Where the model was trained and saved."""

    python: str
    implementation: str
    os: str
    machine: str
    cpu: str | None = None
    cpu_count: int | None = None
    gpus: list[str] = Field(default_factory=list)
    packages: dict[str, str] = Field(description="distribution name -> exact version")
    git: GitState | None = None
    seeds: dict[str, int] = Field(default_factory=dict, description="where -> seed given")


ExampleSource = Literal["synthetic", "made_up", "evaluation", "training", "given", "none"]


class ExampleRows(_Model):
    """What the runnable example predicts on: rows drawn from the profile (``synthetic``),
    texts written for the example (``made_up``: texts are not profiled), the first rows of an
    evaluation or the training dataset (real rows, published in the card), rows the authors
    chose (``given``), or none."""

    source: ExampleSource
    rows: int = Field(ge=0, description="rows the example predicts on")
    dataset: str | None = Field(None, description="evaluation, training: the rows' dataset")
    reason: str | None = Field(None, description="why this source, when modelshare chose it")


class ReleaseRecord(_Model):
    """Everything modelshare knows about a release; ``modelshare.json``."""

    schema_version: str = SCHEMA_VERSION
    modelshare_version: str
    created_at: datetime
    name: ReleaseName
    version: ReleaseVersion
    license: str | None = None
    authors: list[str] = Field(default_factory=list)
    contact: str | None = None
    description: str | None = None
    describe: HumanFacts = Field(default_factory=HumanFacts)
    training_data: DatasetFacts
    split: SplitRecord | None = None
    preprocessing: list[PreprocessingStep] = Field(default_factory=list)
    model: ModelFacts
    evaluation: list[EvaluationResult] = Field(default_factory=list)
    bootstrap: Bootstrap | None = Field(None, description="how the metrics' intervals were made")
    leakage: list[LeakageFinding] | None = Field(
        None, description="leakage checks run at save time: [] when they found nothing"
    )
    leakage_not_run: dict[str, str] = Field(
        default_factory=dict, description="leakage check -> why it was not run at save time"
    )
    environment: Environment
    example: RelativePath = Field(EXAMPLE_PATH, description="runnable example, tested at save")
    example_rows: ExampleRows | None = Field(
        None, description="what the example predicts on (None in releases before it was said)"
    )
    waive: dict[str, str] = Field(
        default_factory=dict, description="checklist item id -> why it does not apply"
    )

    def missing_facts(self) -> list[str]:
        """Dotted names of the human facts nobody has given yet.

        Example:
            >>> record.missing_facts()
            []
            >>> record.model_copy(update={"contact": None}).missing_facts()
            ['contact']
        """
        missing = [key for key in RELEASE_FIELDS if not getattr(self, key)]
        missing += [f"describe.{k}" for k in HUMAN_FACT_FIELDS if not getattr(self.describe, k)]
        provenance = self.training_data.provenance
        missing += [
            f"training_data.{k}"
            for k in PROVENANCE_FIELDS
            if provenance is None or not getattr(provenance, k)
        ]
        return missing


def fact_question(field: str) -> str:
    """The question a dotted human-fact name answers.

    Example:
        >>> fact_question("describe.citation")
        'how to cite the model (BibTeX or text)'
    """
    group, _, key = field.rpartition(".")
    fields = {"": RELEASE_FIELDS, "describe": HUMAN_FACT_FIELDS, "training_data": PROVENANCE_FIELDS}
    return fields[group][key]


def record_json_schema() -> dict[str, Any]:
    """The JSON Schema of ``modelshare.json`` (what ``modelshare schema`` prints).

    Example:
        >>> record_json_schema()["title"]
        'ReleaseRecord'
    """
    schema = ReleaseRecord.model_json_schema()
    schema["$id"] = f"urn:modelshare:release-record:{SCHEMA_VERSION}"
    return schema


def read_record(path: Path) -> ReleaseRecord:
    """The release record in the file ``path`` (a missing file is the caller's to report).

    Example:
        >>> read_record(Path("releases/penguin-species/modelshare.json")).name
        'penguin-species'

    Raises:
        InvalidInputError: the file is not a valid release record.
    """
    try:
        return ReleaseRecord.model_validate_json(path.read_bytes())
    except ValidationError as problem:
        count = problem.error_count()
        more = f" (and {count - 1} more)" if count > 1 else ""
        raise InvalidInputError(
            f"{path} is not a valid release record: {first_validation_error(problem)}{more}"
        ) from problem
