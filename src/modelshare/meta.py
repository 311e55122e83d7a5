"""``modelshare.yaml``: the human facts of a release, for the command line.

``modelshare init`` writes a commented file naming every field; ``modelshare release`` reads it.
The same facts can be given from Python through ``Release``.

Example:
    >>> _ = Path("modelshare.yaml").write_text("license: mit\\nauthors: A. Author\\n")
    >>> meta = load_meta(Path("modelshare.yaml"))
    >>> meta.license, meta.authors, meta.version
    ('mit', ['A. Author'], '0.1.0')
    >>> release = meta.to_release(default_name="penguin-species")
    >>> release.name, release.license
    ('penguin-species', 'mit')
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from modelshare.audit.bounded_yaml import explain_yaml_error, load_yaml
from modelshare.errors import InvalidInputError
from modelshare.record import (
    HUMAN_FACT_FIELDS,
    PROVENANCE_FIELDS,
    RELEASE_FIELDS,
    HumanFacts,
    Provenance,
    SplitRecord,
)

META_FILE = "modelshare.yaml"


class _Meta(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TrainingDataMeta(Provenance):
    """Provenance of the training data; its name defaults to the training file's.
    ``private``: no row of it may be published (the example then predicts on synthetic rows)."""

    name: str | None = None  # type: ignore[assignment]
    private: bool = False


class DeclaredStep(_Meta):
    """A preprocessing step done outside the model, e.g. an outlier filter."""

    kind: str
    method: str
    columns: list[str] = Field(default_factory=list)
    rows_removed: int | None = None
    name: str | None = None


class ReleaseMeta(_Meta):
    """Everything ``modelshare.yaml`` may hold."""

    name: str | None = None
    version: str = "0.1.0"
    license: str | None = None
    authors: list[str] = Field(default_factory=list)
    contact: str | None = None
    description: str | None = None
    describe: HumanFacts = Field(default_factory=HumanFacts)
    training_data: TrainingDataMeta = Field(default_factory=TrainingDataMeta)
    split: SplitRecord | None = None
    preprocessing: list[DeclaredStep] = Field(default_factory=list)
    waive: dict[str, str] = Field(default_factory=dict)

    def to_release(self, default_name: str) -> Any:
        """A ``Release`` holding these facts (data and model are added by the caller)."""
        from modelshare.release import Release

        release = Release(
            self.name or default_name,
            version=self.version,
            license=self.license,
            authors=self.authors,
            contact=self.contact,
            description=self.description,
        )
        release.describe(**self.describe.model_dump())
        if self.split:
            split = self.split
            release.split(
                split.method,
                test_size=split.test_size,
                random_state=split.random_state,
                time_column=split.time_column,
                **split.details,
            )
        for step in self.preprocessing:
            release.add_step(
                step.kind,
                step.method,
                columns=step.columns,
                rows_removed=step.rows_removed,
                name=step.name,
            )
        for item, reason in self.waive.items():
            release.waive(item, reason)
        return release


def _validation_message(error: ValidationError, source: str) -> str:
    """The first validation problem as one line naming the field."""
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "(top level)"
    if first["type"] == "extra_forbidden":
        return f"{source}: unknown field '{where}'; `modelshare init` writes every valid field"
    return f"{source}: {where}: {first['msg'].lower()}"


def load_meta(path: Path) -> ReleaseMeta:
    """Read and validate ``modelshare.yaml``; every problem is one line naming the field."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise InvalidInputError(f"{path} not found; `modelshare init` writes one") from error
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidInputError(f"cannot read {path}: {error}") from error
    data = _read_yaml(text, path)
    if not isinstance(data, (dict, type(None))):
        raise InvalidInputError(f"{path} must hold a mapping of fields, not {type(data).__name__}")
    data = _without_empty(data or {})
    if isinstance(data.get("authors"), str):
        data["authors"] = [data["authors"]]
    try:
        return ReleaseMeta.model_validate(data)
    except ValidationError as error:
        raise InvalidInputError(_validation_message(error, str(path))) from error


def _read_yaml(text: str, path: Path) -> Any:
    """The value of a YAML text, read within the limits of :func:`load_yaml`.

    Example:
        >>> _read_yaml("name: forest\\n", Path("modelshare.yaml"))
        {'name': 'forest'}

    Raises:
        InvalidInputError: the text is not YAML, or YAML that cannot be used (nested too deep,
            an integer too long…), in one line naming where and what to do.
    """
    try:
        return load_yaml(text)[1]
    except yaml.YAMLError as error:
        verdict, reason, fix = explain_yaml_error(error, "fix the YAML there")
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise InvalidInputError(f"{path} {verdict}{where}: {reason}; {fix}") from error


def _without_empty(data: dict[str, Any]) -> dict[str, Any]:
    """The mapping without fields left empty, so a fresh ``init`` file validates.

    Example:
        >>> _without_empty({"split": {"method": None}, "name": "x"})
        {'name': 'x'}
    """
    kept: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            value = _without_empty(value)
        if value is not None and value != {}:
            kept[key] = value
    return kept


def _commented(key: str, question: str, indent: str = "") -> str:
    return f"{indent}# {question}\n{indent}{key}:\n"


def init_template(name: str) -> str:
    """The commented ``modelshare.yaml`` that ``modelshare init`` writes.

    Example:
        >>> "intended_use:" in init_template("penguin-species")
        True
    """
    parts = [
        "# modelshare.yaml: what only the authors know about the model.\n"
        "# Every field left empty shows in the model card as a visible placeholder,\n"
        "# and `modelshare check RELEASE` lists it. Measured facts (data statistics,\n"
        "# preprocessing, hyperparameters, metrics, environment) are never typed here.\n\n",
        f"name: {name}\nversion: 0.1.0\n",
    ]
    parts += [_commented(key, question) for key, question in RELEASE_FIELDS.items()]
    parts.append("\ndescribe:\n")
    parts += [_commented(key, q, "  ") for key, q in HUMAN_FACT_FIELDS.items()]
    parts.append("\ntraining_data:\n  # the dataset's name\n  name:\n")
    parts += [_commented(key, q, "  ") for key, q in PROVENANCE_FIELDS.items()]
    parts.append(
        "\n# How the data was split (e.g. stratified hold-out, 5-fold cross-validation).\n"
        "split:\n  method:\n  test_size:\n  random_state:\n"
        "  # the column holding each row's time, if evaluation rows must be later than training\n"
        "  time_column:\n"
        "\n# Preprocessing done outside the model, e.g. outlier filters:\n"
        "# - kind: outlier filter\n#   method: rows with body mass beyond 3 IQR removed\n"
        "#   columns: [body_mass_g]\n#   rows_removed: 2\npreprocessing: []\n"
        "\n# Checklist items that do not apply, with the reason (shown in the card):\n"
        '# ethics.fairness: "no human data: measurements of penguins"\nwaive: {}\n'
    )
    return "".join(parts)
