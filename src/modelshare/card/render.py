"""Render a release record as a Hugging Face model card (README.md).

The YAML metadata is built with huggingface_hub's ``ModelCardData`` and ``EvalResult`` (one
model-index entry per dataset and metric); the sections follow the documentation checklist in
order. Every measured fact comes from the record; every missing human fact becomes one visible
placeholder line.

Example:
    >>> code = Path("releases/penguin-species/examples/predict.py").read_text()
    >>> text = render_card(record, example_code=code)
    >>> ModelCard(text).data.license
    'mit'
"""

from __future__ import annotations

from importlib.resources import files

from huggingface_hub import EvalResult, ModelCard, ModelCardData

from modelshare.card.evaluation import (
    figures,
    groups_section,
    interval_note,
    leakage_section,
    metric_table,
)
from modelshare.card.markdown import human_size, table
from modelshare.card.network import architecture_section, configuration_section, training_section
from modelshare.card.placeholders import fact_or_placeholder, placeholder
from modelshare.layout import slug
from modelshare.record import (
    DatasetFacts,
    EvaluationResult,
    ExampleRows,
    ModelFacts,
    PreprocessingStep,
    ReleaseRecord,
)

MODEL_INDEX_FALLBACK_TASK = "other"
"""The Hub's task id for results of a model whose task has no more precise id."""

LOADED_WITH = {
    "scikit-learn": "it loads the model with skops alone.",
    "pytorch": (
        "it loads the weights with safetensors into the model's own class and compares its "
        "outputs with those recorded in `examples/expected.safetensors`."
    ),
    "transformers": (
        "it loads the model and its tokenizer with transformers' Auto classes alone and "
        "compares the outputs with those recorded in `examples/expected.safetensors`."
    ),
}
"""How each framework's example loads the model, as the card says it."""


def card_data(record: ReleaseRecord) -> ModelCardData:
    """The card's YAML metadata: license, library, tags, base model, datasets, metrics and
    model-index."""
    model = record.model
    results = [
        EvalResult(
            task_type=model.pipeline_tag or MODEL_INDEX_FALLBACK_TASK,
            dataset_type=slug(evaluation.dataset.name),
            dataset_name=model_index_dataset_name(record, evaluation),
            dataset_split=evaluation.split,
            metric_type=metric.type,
            metric_name=metric.name,
            metric_value=metric.value,
            metric_args=metric.args,
        )
        for evaluation in record.evaluation
        for metric in evaluation.metrics
    ]
    metric_types = list(dict.fromkeys(result.metric_type for result in results))
    return ModelCardData(
        license=record.license.lower() if record.license else None,
        library_name=model.library_name,
        pipeline_tag=model.pipeline_tag,
        tags=["modelshare", *model.tags],
        base_model=model.base_model,
        datasets=[slug(record.training_data.name)],
        metrics=metric_types or None,
        model_name=record.name,
        eval_results=results or None,
    )


def details_section(record: ReleaseRecord) -> str:
    """Model details: who, what, which version, which license, which weights."""
    model = record.model
    rows = [
        ["Version", record.version],
        ["Model type", f"{model.estimator} ({model.framework}), {model.task}"],
        ["Task", model.pipeline_tag or model.task],
        ["Weights", f"`{model.file}` ({model.format} format, {human_size(model.size_bytes)})"],
        *_network_rows(model),
        ["Released", record.created_at.date().isoformat()],
    ]
    authors = f"**Developed by:** {', '.join(record.authors)}" if record.authors else None
    license_line = f"**License:** `{record.license}`" if record.license else None
    return "\n\n".join(
        [
            table(["Field", "Value"], rows),
            fact_or_placeholder(authors, "authors"),
            fact_or_placeholder(license_line, "license"),
        ]
    )


def _network_rows(model: ModelFacts) -> list[list[str]]:
    """Details rows only a network has: its size and the model it was fine-tuned from."""
    rows = []
    if model.architecture:
        architecture = model.architecture
        rows.append(
            [
                "Parameters",
                f"{architecture.total_parameters:,} "
                f"({architecture.trainable_parameters:,} trainable, {architecture.dtype})",
            ]
        )
    if model.base_model:
        rows.append(["Base model", f"`{model.base_model}`"])
    return rows


def example_rows_sentence(rows: ExampleRows) -> str:
    """What the example predicts on, in one sentence, as the record says.

    Example:
        >>> example_rows_sentence(ExampleRows(source="none", rows=0))
        'The authors published no example inputs: the example loads the model only.'
    """
    why = f" ({rows.reason})" if rows.reason else ""
    if rows.source == "synthetic":
        return (
            f"Its {rows.rows} input rows are synthetic{why}: drawn at random, column by column, "
            "from the published training-data profile, they are no rows of the data."
        )
    if rows.source == "made_up":
        return (
            f"Its {rows.rows} input texts were written for the example{why}: no text of the "
            "data is published."
        )
    if rows.source in ("evaluation", "training"):
        return (
            f"Its {rows.rows} input rows are real: the first complete rows of the "
            f"{rows.source} dataset *{rows.dataset}*, published here as they are."
        )
    if rows.source == "given":
        return f"Its {rows.rows} input rows were chosen by the authors."
    return f"The authors published no example inputs{why}: the example loads the model only."


def get_started_section(record: ReleaseRecord, example_code: str) -> str:
    """How to load the model: the tested example, and what loading needs beyond it."""
    model = record.model
    parts = [
        "Install the exact environment with `pip install -r requirements.txt`, then run "
        f"`python {record.example}` from the release folder. The example below was run "
        f"when the release was saved; {LOADED_WITH[model.framework]}"
        + (f" {example_rows_sentence(record.example_rows)}" if record.example_rows else ""),
        f"```python\n{example_code.strip()}\n```",
    ]
    if model.format == "skops":
        parts += _skops_trust(model.trusted_types)
    elif model.framework == "pytorch" and not model.rebuildable:
        parts.append(
            f"`{model.estimator}` cannot be rebuilt from `config.json` alone: build the network "
            "as in training, then load the weights with "
            '`safetensors.torch.load_model(model, "model.safetensors")`.'
        )
    else:
        needs_class = model.framework == "pytorch" and not model.hub_mixin
        argument = f", model_class={model.estimator}" if needs_class else ""
        parts.append(
            f"From Python, `modelshare.load(folder{argument})` loads it too, after checking "
            "every file against `manifest.json` and refusing any file that could run code "
            "when loaded."
        )
    return "\n\n".join(parts)


def _skops_trust(needed: list[str]) -> list[str]:
    """What loading a skops model asks of its receiver: the types it needs beyond skops'
    defaults, each judged by modelshare's trust policy."""
    from modelshare.safety.trust import DEFAULT_TRUSTED_TYPES, decide_trust, type_risk

    load = (
        "From Python, `modelshare.load(folder)` loads it too, after checking every file "
        "against `manifest.json` and refusing any file that could run code when loaded"
    )
    if not needed:
        return [f"The model needs no type beyond skops' defaults. {load}."]
    lines = [
        f"- `{name}`, trusted by modelshare by default: {DEFAULT_TRUSTED_TYPES[name]}"
        if name in DEFAULT_TRUSTED_TYPES
        else f"- `{name}`, **not** trusted by default: {type_risk(name)}"
        for name in needed
    ]
    refused = list(decide_trust(needed).refused)
    grant = (
        f"; the types not trusted by default load only when the receiver grants them: "
        f"`modelshare.load(folder, trusted={refused!r})`"
        if refused
        else ""
    )
    return [
        "`skops.io.load` must be told to trust these types, which the model needs beyond "
        "skops' defaults (review them before loading a model you did not train):",
        "\n".join(lines),
        f"{load}{grant}.",
    ]


def class_balance(data: DatasetFacts) -> str:
    """A class count table with shares, the imbalance ratio and a warning when imbalanced."""
    target = data.target
    if not target.class_counts:
        return f"The target `{target.name}` is {target.type}; there are no classes to count."
    total = sum(target.class_counts.values())
    rows = [[label, n, f"{n / total:.1%}"] for label, n in target.class_counts.items()]
    parts = [
        table(["Class", "Samples", "Share"], rows),
        f"Imbalance ratio (largest / smallest class): {target.imbalance_ratio:.2f}.",
    ]
    if target.imbalanced:
        smallest = min(target.class_counts, key=target.class_counts.__getitem__)
        parts.append(
            f"**The classes are imbalanced:** the smallest class, `{smallest}`, holds only "
            f"{target.minority_share:.1%} of the samples, less than half of an equal share. "
            "Accuracy alone can hide poor performance on it; read the per-class results."
        )
    return "\n\n".join(parts)


def dataset_statistics(data: DatasetFacts) -> str:
    """Sample and feature counts, the target and the checksum of one dataset."""
    kinds: dict[str, int] = {}
    for feature in data.features:
        kinds[feature.kind] = kinds.get(feature.kind, 0) + 1
    kind_text = ", ".join(f"{n} {kind}" for kind, n in kinds.items())
    rows = [
        ["Samples", data.n_samples],
        ["Features", f"{data.n_features} ({kind_text})"],
        ["Target", f"`{data.target.name}` ({data.target.type})"],
        ["Checksum", f"`{data.checksum}`"],
    ]
    if data.file:
        rows.append(["File", f"`{data.file}` (sha256 `{data.file_sha256}`)"])
    return table(["Statistic", "Value"], rows)


def training_data_section(record: ReleaseRecord) -> str:
    """Provenance (human), then statistics, class balance and features (measured)."""
    data = record.training_data
    provenance = data.provenance
    labels = {
        "source": "Source",
        "license": "License and terms",
        "owner": "Owner",
        "collection": "How it was collected",
        "consent": "Consent",
    }
    lines = [f"**Dataset:** {data.name}"]
    for key, label in labels.items():
        value = getattr(provenance, key) if provenance else None
        text = fact_or_placeholder(value, f"training_data.{key}")
        lines.append(f"**{label}:** {text}" if value else text)
    features = table(
        ["Feature", "Type", "Kind", "Missing", "Distinct values"],
        [[f.name, f.dtype, f.kind, f.missing, f.distinct] for f in data.features],
    )
    return "\n\n".join(
        [
            *lines,
            "### Statistics",
            dataset_statistics(data),
            "### Class balance",
            class_balance(data),
            "### Features",
            features,
        ]
    )


def preprocessing_section(record: ReleaseRecord) -> str:
    """The recorded split and every preprocessing step with the columns it applies to."""
    split = record.split
    if split:
        rows = [["Method", split.method]]
        if split.test_size is not None:
            rows.append(["Test size", split.test_size])
        if split.random_state is not None:
            rows.append(["Random state", split.random_state])
        if split.time_column is not None:
            rows.append(["Time column", f"`{split.time_column}`"])
        rows += [
            [key.replace("_", " ").capitalize(), value] for key, value in split.details.items()
        ]
        split_text = table(["Split", "Value"], rows)
    else:
        split_text = placeholder(
            "split",
            "how the data was split into training and evaluation sets",
            "Pass `Release.split(...)` or add `split:` to modelshare.yaml",
        )
    if record.preprocessing:
        steps = table(
            ["Step", "Kind", "Estimator", "Method", "Columns", "Source"],
            [
                [
                    f"`{step.name}`",
                    step.kind,
                    _estimator_cell(step),
                    step.method + (f" Kept: {', '.join(step.kept)}." if step.kept else ""),
                    ", ".join(step.columns) or "all",
                    "pipeline" if step.source == "pipeline" else "declared by the authors",
                ]
                for step in record.preprocessing
            ],
        )
    else:
        steps = "The model applies no preprocessing step of its own."
    return "\n\n".join(["### Data split", split_text, "### Steps", steps])


def model_index_dataset_name(record: ReleaseRecord, evaluation: EvaluationResult) -> str:
    """How the Hub names an evaluation dataset: its own name when it has a source of its own,
    else the training data's name with the evaluation's label (``Palmer penguins (test)``),
    since a label such as a file's stem says nothing on a Hub page.

    Example:
        >>> model_index_dataset_name(record, record.evaluation[0])
        'Palmer penguins 2007-2008 (penguins-test)'
    """
    name = evaluation.dataset.name
    provenance = evaluation.dataset.provenance
    training = record.training_data.name
    if (provenance is not None and provenance.source) or not training or training in name:
        return name
    return f"{training} ({name})"


def _estimator_cell(step: PreprocessingStep) -> str:
    """The class that did a step, with the parameters set to other than its defaults, as a
    reproducer writes it: ``SimpleImputer(strategy='median')``; empty for a declared step.

    Example:
        >>> _estimator_cell(PreprocessingStep(kind="imputer", name="num/imputer",
        ...     estimator="SimpleImputer", method="median", params={"strategy": "median"}))
        "`SimpleImputer(strategy='median')`"
    """
    if step.estimator is None:
        return ""
    arguments = ", ".join(f"{name}={value!r}" for name, value in step.params.items())
    return f"`{step.estimator}({arguments})`"


def training_procedure_section(record: ReleaseRecord) -> str:
    """The model's structure, its hyperparameters or configuration, how it was trained and
    the seeds."""
    model = record.model
    seeds = record.environment.seeds
    seed_text = (
        ", ".join(f"`{where}` = {value}" for where, value in seeds.items())
        if seeds
        else "none recorded"
    )
    if model.architecture is None:
        parts = [_pipeline_text(model)]
        if model.training:
            parts += ["### Training", training_section(model, network=False)]
    else:
        parts = [
            f"Network: `{model.estimator}` (`{model.estimator_path}`).",
            "### Architecture",
            architecture_section(model.architecture),
            "### Configuration",
            configuration_section(model.hyperparameters),
            "### Training",
            training_section(model, network=True),
        ]
    return "\n\n".join([*parts, f"Random seeds: {seed_text}."])


def _pipeline_text(model: ModelFacts) -> str:
    """A scikit-learn model: its pipeline outline and the final estimator's hyperparameters."""
    outline = " → ".join(f"`{step}`" for step in model.steps) or f"`{model.estimator}`"
    rows = [
        [
            f"**{h.name}**" if h.non_default else h.name,
            h.value,
            h.default if h.default_known else "not declared",
            "yes" if h.non_default else "" if h.default_known else "unknown",
        ]
        for h in model.hyperparameters
    ]
    return "\n\n".join(
        [
            f"Pipeline: {outline}",
            f"Final estimator: `{model.estimator_path}`.",
            "### Hyperparameters",
            "Hyperparameters set to a non-default value are in bold"
            + (
                "; where the estimator's class declares no default, whether a value was changed "
                "is unknown."
                if any(not h.default_known for h in model.hyperparameters)
                else "."
            ),
            table(["Hyperparameter", "Value", "Default", "Changed"], rows),
        ]
    )


def evaluation_detail(evaluation: EvaluationResult, positive: str | None = None) -> str:
    """One evaluation dataset: its size, class counts, figures and per-group results.
    ``positive`` is a binary model's positive class."""
    data = evaluation.dataset
    parts = [f"### {data.name}", dataset_statistics(data)]
    if data.target.class_counts:
        counts = ", ".join(f"{label}: {n}" for label, n in data.target.class_counts.items())
        parts.append(f"Class counts: {counts}.")
    parts += figures(evaluation, per_group=False)
    parts += groups_section(evaluation, positive)
    return "\n\n".join(parts)


def evaluation_section(record: ReleaseRecord) -> str:
    """A metric × dataset table with confidence intervals, the details of each evaluation
    dataset, then the leakage checks."""
    if not record.evaluation:
        return (
            "The model was not evaluated: pass `Release.evaluate(X, y, dataset=...)` "
            "or `--test FILE`."
        )
    classes = record.model.classes
    positive = classes[1] if classes and len(classes) == 2 else None
    return "\n\n".join(
        [
            metric_table(record),
            interval_note(record.bootstrap, record.evaluation),
            *(evaluation_detail(evaluation, positive) for evaluation in record.evaluation),
            *leakage_section(
                record.leakage,
                [e.dataset.name for e in record.evaluation if e.split == "train"],
                record.leakage_not_run,
            ),
        ]
    )


def environment_section(record: ReleaseRecord) -> str:
    """Python, OS, hardware, git state and the pinned packages."""
    env = record.environment
    rows = [
        ["Python", f"{env.python} ({env.implementation})"],
        ["Operating system", env.os],
        ["CPU", f"{env.cpu or env.machine} ({env.cpu_count} cores)"],
        ["GPU", ", ".join(env.gpus) or "none"],
    ]
    if env.git:
        state = "with uncommitted changes" if env.git.dirty else "clean"
        rows.append(["Git commit", f"`{env.git.commit}` ({state})"])
    packages = table(["Package", "Version"], sorted(env.packages.items()))
    return "\n\n".join(
        [
            table(["Component", "Value"], rows),
            "Packages the model needs, pinned in `requirements.txt`:",
            packages,
        ]
    )


def citation_section(citation: str | None) -> str:
    """The citation as given; BibTeX goes into a fenced block so it renders verbatim."""
    if citation and citation.lstrip().startswith("@"):
        return f"```bibtex\n{citation.strip()}\n```"
    return fact_or_placeholder(citation, "describe.citation")


def waivers_section(record: ReleaseRecord) -> str:
    """Checklist items the authors declared not applicable, with their reasons."""
    return table(["Checklist item", "Why it does not apply"], sorted(record.waive.items()))


def render_card(record: ReleaseRecord, example_code: str, *, distribution: str = "") -> str:
    """The full README.md text for a release record; ``distribution`` is the training data's
    distribution subsection, rendered from its profile.

    Example:
        >>> render_card(record, "print('hello')").startswith("---")
        True
    """
    facts = record.describe
    template = files("modelshare.card").joinpath("templates/modelcard.md.j2").read_text("utf-8")
    card = ModelCard.from_template(
        card_data(record),
        template_str=template,
        name=record.name,
        description=fact_or_placeholder(record.description, "description"),
        details=details_section(record),
        intended_use=fact_or_placeholder(facts.intended_use, "describe.intended_use"),
        out_of_scope=fact_or_placeholder(facts.out_of_scope, "describe.out_of_scope"),
        limitations=fact_or_placeholder(facts.limitations, "describe.limitations"),
        get_started=get_started_section(record, example_code),
        training_data="\n\n".join(filter(None, [training_data_section(record), distribution])),
        preprocessing=preprocessing_section(record),
        training_procedure=training_procedure_section(record),
        evaluation=evaluation_section(record),
        environment=environment_section(record),
        ethical_considerations=fact_or_placeholder(
            facts.ethical_considerations, "describe.ethical_considerations"
        ),
        contact=fact_or_placeholder(record.contact, "contact"),
        acknowledgments=fact_or_placeholder(facts.acknowledgments, "describe.acknowledgments"),
        citation=citation_section(facts.citation),
        waivers=waivers_section(record) if record.waive else "",
    )
    return card.content
