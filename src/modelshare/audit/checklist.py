"""The documentation checklist: what a model card must say, as items with stable ids.

The items come from the lesson's "what must be documented", plus the model license, intended
and out-of-scope uses, limitations and citation. Each item says whether it is required, how to
fix it, and how to recognise it in any card: the headings that name it (:class:`Topic`), the
words that show it inside a broader section (``keywords`` within ``scope``) and, for a card in
a folder, the files that prove it. docs/checklist.md explains each choice.

Example:
    >>> ITEMS_BY_ID["uses.out_of_scope"].required
    True
    >>> [item.id for item in ITEMS][:3]
    ['environment', 'data.collection', 'data.license']
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

from modelshare.card.placeholders import how_to_give

Status = Literal["present", "partial", "missing", "waived", "not applicable"]
STATUSES: tuple[Status, ...] = ("present", "partial", "missing", "waived", "not applicable")
MET: frozenset[str] = frozenset({"present", "partial", "waived", "not applicable"})
"""Statuses that meet an item: only ``missing`` fails it."""


@dataclass(frozen=True)
class Assessment:
    """What one evidence path found for one item."""

    status: Status
    evidence: str
    line: int | None = None


REMEMBERED_HEADINGS = 10_000
"""Headings a topic remembers its answer for: a process checking many cards stays bounded."""


@dataclass(frozen=True)
class Topic:
    """A subject as headings name it, matched on normalised heading text.

    A name matches when its words appear in the heading (a trailing "s" is optional); a
    name starting with "=" must be the whole heading. ``unless`` names headings that rule a
    section out when they are the section's own heading or one of its parents'.

    Example:
        >>> topic = Topic(("training data", "=data"), unless=("evaluation",))
        >>> topic.names("training data and preprocessing"), topic.names("evaluation data")
        (True, False)
    """

    synonyms: tuple[str, ...]
    unless: tuple[str, ...] = ()

    @cached_property
    def _pattern(self) -> re.Pattern[str]:
        return _phrases(self.synonyms)

    @cached_property
    def _excluded(self) -> re.Pattern[str] | None:
        return _phrases(self.unless) if self.unless else None

    @cached_property
    def _answers(self) -> dict[str, bool]:
        return {}

    def names(self, heading: str) -> bool:
        """Whether a normalised heading names this topic (remembered per heading, for the
        last :data:`REMEMBERED_HEADINGS` headings at most)."""
        answers = self._answers
        if heading not in answers:
            if len(answers) >= REMEMBERED_HEADINGS:
                answers.clear()
            answers[heading] = self._pattern.search(heading) is not None
        return answers[heading]

    def titles(self, path: tuple[str, ...]) -> bool:
        """Whether a section's own heading names this topic (and no parent rules it out).

        ``path`` is the section's normalised heading path (``Section.path``).
        """
        return bool(path) and self.names(path[-1]) and not self._ruled_out(path)

    def covers(self, path: tuple[str, ...]) -> bool:
        """Whether a section's heading or one of its parents' names this topic."""
        return any(self.names(key) for key in path) and not self._ruled_out(path)

    def _ruled_out(self, path: tuple[str, ...]) -> bool:
        excluded = self._excluded
        return excluded is not None and any(excluded.search(key) for key in path)


def _phrases(names: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern for a list of heading names (see :class:`Topic`)."""
    parts = [
        f"^{re.escape(name[1:])}s?$" if name.startswith("=") else rf"\b{re.escape(name)}s?\b"
        for name in names
    ]
    return re.compile("|".join(parts))


TRAINING_DATA = Topic(
    (
        "training data",
        "training dataset",
        "train data",
        "training set",
        "data and preprocessing",
        "dataset description",
        "data description",
        "data collection",
        "data source",
        "=data",
        "=dataset",
        "=the data",
        "=train",
    ),
    unless=("evaluation", "eval", "testing", "test", "validation", "results"),
)
PREPROCESSING = Topic(
    (
        "preprocessing",
        "pre processing",
        "data preparation",
        "data processing",
        "feature engineering",
        "data cleaning",
        "data pipeline",
    )
)
TRAINING = Topic(
    (
        "training procedure",
        "training process",
        "training regime",
        "training setup",
        "fine tuning",
        "finetuning",
        "methodology",
        "=training",
        "=model training",
    )
)
EVALUATION = Topic(
    (
        "evaluation",
        "=eval",
        "results",
        "metrics",
        "performance",
        "quantitative analysis",
        "quantitative analyses",
        "benchmark",
        "testing data",
        "test data",
    )
)
MODEL = Topic(
    (
        "model details",
        "model description",
        "model summary",
        "model overview",
        "=overview",
        "technical specifications",
        "model architecture",
    )
)
ARCHITECTURE = Topic(("architecture", "model type", "model structure"))
TRAINING_DETAILS = Topic(
    ("training details", "=training", "=model training", "training and evaluation")
)
USES = Topic(("uses", "=use", "intended use", "use cases", "=considerations"))
ETHICS = Topic(
    (
        "ethical considerations",
        "ethics",
        "ethical",
        "responsible ai",
        "societal impact",
        "social impact",
        "broader impact",
        "=risks",
        "risks and harms",
        "bias risks",
    )
)


@dataclass(frozen=True)
class ChecklistItem:
    """One thing a model card must (required) or should (recommended) document.

    ``fix`` says how to fix it in any card; ``record_fix`` in a modelshare release.
    ``intro``: the card's introduction (the text under its title) is part of the scope.
    ``fact``: the field a modelshare card names in its ``> **Missing: FIELD**`` line when
    nobody gave what the item asks for.
    """

    id: str
    title: str
    required: bool
    fix: str
    record_fix: str
    headings: Topic
    keywords: str | None = None
    scope: tuple[Topic, ...] = ()
    files: tuple[str, ...] = ()
    people_only: bool = False
    intro: bool = False
    fact: str | None = None

    @cached_property
    def keyword_pattern(self) -> re.Pattern[str] | None:
        """``keywords`` compiled; they are lowercase and searched in lowered text."""
        return re.compile(self.keywords) if self.keywords else None


PACKAGE_NAME = r"(?<!\w)(?<![\w.-][.-])[a-z][\w.-]*+"
"""A package name in lowered text ("scikit-learn", "torch.nn"), read whole.

It is tried where a token starts, or just after the "." or "-" a token starts with: not after
every "." or "-" inside a token, where each start would read the rest of the token again
("a.b-c…" would cost quadratic time). A token of word characters and "." or "-" holding a
name further in (as in "3rd-party") is not read as one."""


def _give_fix(field: str) -> str:
    """The fix for a missing human fact: where to give it (``describe.citation``…)."""
    return how_to_give(field) + "."


_PIPELINE_STEP_FIX = (
    "Steps inside the fitted pipeline are read automatically; declare a step done outside it "
    "with `Release.add_step({kind!r}, 'what was done')`, or waive the item with the reason."
)

ITEMS: tuple[ChecklistItem, ...] = (
    ChecklistItem(
        id="environment",
        title="Environment: Python and exact package versions",
        required=True,
        fix="Add an 'Environment' section with Python and the exact package versions, "
        "or ship a pinned requirements.txt beside the card.",
        record_fix="The environment is captured at save time; save the release again.",
        headings=Topic(
            (
                "environment",
                "software",
                "requirements",
                "dependencies",
                "installation",
                "compute infrastructure",
                "framework versions",
                "=setup",
                "reproducibility",
            )
        ),
        keywords=rf"requirements\.txt|environment\.ya?ml|{PACKAGE_NAME}\s*==\s*\d"
        r"|\bpython\s*3\.\d+|\bframework versions\b",
        files=("requirements*.txt", "environment.y*ml", "pyproject.toml", "*.lock"),
    ),
    ChecklistItem(
        id="data.collection",
        title="Training data: how it was collected",
        required=True,
        fix="Say in the training data section how, when and by whom the data was collected.",
        record_fix=_give_fix("training_data.collection"),
        fact="training_data.collection",
        headings=Topic(
            ("data collection", "collection process", "data source", "provenance", "=source")
        ),
        keywords=r"\b(?:collect(?:ed|ion)|gather(?:ed)?|recorded|sampled|survey(?:ed|s)?"
        r"|scraped|crawled|extracted|compiled|obtained from|sourced from|measured|measurements"
        r"|annotated|labell?ed by|downloaded from)\b",
        scope=(TRAINING_DATA, TRAINING_DETAILS),
    ),
    ChecklistItem(
        id="data.license",
        title="Training data: owner, license and terms of use",
        required=True,
        fix="Name who owns the training data and its license or terms of use "
        "(an SPDX id such as CC-BY-4.0).",
        record_fix=_give_fix("training_data.license") + " Give `owner=` too.",
        fact="training_data.license",
        headings=Topic(
            (
                "data license",
                "dataset license",
                "data licence",
                "data terms",
                "terms of use",
                "data ownership",
            )
        ),
        keywords=r"\b(?:licen[cs]ed?|licen[cs]es|terms of (?:use|service)|copyright|public domain"
        r"|cc0|cc[- ]by|odbl|owned by|ownership|proprietary|non-?commercial"
        r"|research (?:purposes|use) only)\b",
        scope=(TRAINING_DATA, TRAINING_DETAILS),
    ),
    ChecklistItem(
        id="data.statistics",
        title="Training data: size, features and classes",
        required=True,
        fix="Give the number of samples, features and classes of the training data.",
        record_fix="Measured from the training data; pass it with `Release.training_data(X, y)`.",
        headings=Topic(
            (
                "statistics",
                "data statistics",
                "dataset statistics",
                "dataset size",
                "data summary",
                "dataset summary",
            )
        ),
        # a number is tried where it starts, or after the "," or "." it starts with, not after
        # every "," of "1,1,1…" (each would read the rest again: quadratic time)
        keywords=r"(?<!\w)(?<![\d,.][,.])\d[\d,.]*+(?:\s*+(?:k|m|thousand|million))?\s++"
        r"(?:[a-z-]++\s++)?(?:samples|rows"
        r"|examples|instances|records|images|photos|observations|individuals|people|persons"
        r"|documents|texts|reviews|sentences|tokens|entries|cases|subjects|participants"
        r"|patients|customers|subscribers|users|sales|transactions|animals|penguins|features"
        r"|columns|classes|hours)\b"
        r"|\bnumber of (?:samples|rows|examples|instances|records|features|classes)\b"
        r"|\bn\s*=\s*\d",
        scope=(TRAINING_DATA, TRAINING_DETAILS),
    ),
    ChecklistItem(
        id="data.balance",
        title="Training data: class balance and known biases",
        required=True,
        fix="Report the class counts or shares of the training data and any known "
        "imbalance or sampling bias.",
        record_fix="Measured from the training target; pass it with `Release.training_data`.",
        headings=Topic(
            (
                "class balance",
                "class imbalance",
                "class distribution",
                "label distribution",
                "=balance",
                "data bias",
                "dataset bias",
                "sampling bias",
            )
        ),
        keywords=r"\b(?:imbalanced?|balanced|bias(?:es|ed)?|skew(?:ed)?|under-?represented"
        r"|over-?represented|minority|majority class|class (?:distribution|counts?|shares?)"
        r"|per class)\b",
        scope=(TRAINING_DATA, TRAINING_DETAILS),
    ),
    ChecklistItem(
        id="data.distribution",
        title="Training data: distribution of the features",
        required=False,
        fix="Describe the distribution of the input features (ranges, means, categories) "
        "so users can recognise out-of-distribution inputs.",
        record_fix="Add the distribution profile of the training data (data_profile.json).",
        headings=Topic(
            (
                "data distribution",
                "feature distribution",
                "=distribution",
                "data profile",
                "feature statistics",
                "feature ranges",
                "summary statistics",
            )
        ),
        keywords=r"\b(?:distribution|distributed|ranges? (?:from|between|of)|ranging|median"
        r"|quantiles?|percentiles?|histograms?|summary statistics|min(?:imum)? and max(?:imum)?)\b",
        scope=(TRAINING_DATA, TRAINING_DETAILS),
    ),
    ChecklistItem(
        id="preprocessing.split",
        title="Preprocessing: how the data was split",
        required=True,
        fix="Say how the data was split into training and evaluation sets "
        "(method, proportions, stratification, seed).",
        record_fix="Record the split with `Release.split(...)` or `split:` in modelshare.yaml.",
        fact="split",
        headings=Topic(
            (
                "data split",
                "=split",
                "train test split",
                "splitting",
                "data partitioning",
                "cross validation",
            )
        ),
        keywords=r"\b(?:split|splits|hold-?out|held[- ]out|cross[- ]validation|k-fold"
        r"|\d++\s*+-?\s*+fold|validation set|test set|partitioned)\b"
        r"|\btrain(?:ing)?\s*/\s*(?:validation|test)\b",
        scope=(TRAINING_DATA, PREPROCESSING, TRAINING, TRAINING_DETAILS, EVALUATION),
    ),
    ChecklistItem(
        id="preprocessing.standardization",
        title="Preprocessing: standardization or normalization",
        required=False,
        fix="Say how the inputs were standardised or normalised (method and statistics), "
        "or that they were not.",
        record_fix=_PIPELINE_STEP_FIX.format(kind="scaler"),
        headings=Topic(
            ("standardization", "standardisation", "normalization", "normalisation", "scaling")
        ),
        keywords=r"\b(?:standardi[sz](?:ed|ation|e)|normali[sz](?:ed|ation|e)|rescal(?:ed|ing)"
        r"|(?:un)?scal(?:ed|ing|er)|z-?scores?|min-?max|unit variance|zero mean"
        r"|standardscaler|minmaxscaler|robustscaler)\b",
        scope=(PREPROCESSING, TRAINING_DATA, TRAINING_DETAILS, ARCHITECTURE),
    ),
    ChecklistItem(
        id="preprocessing.feature_selection",
        title="Preprocessing: feature selection",
        required=False,
        fix="List the input features and how they were chosen "
        "(all columns, a selection method, or a domain decision).",
        record_fix=_PIPELINE_STEP_FIX.format(kind="feature selector"),
        headings=Topic(
            (
                "feature selection",
                "=features",
                "input features",
                "input format",
                "=input",
                "=variables",
                "=inputs",
                "=predictors",
            )
        ),
        keywords=r"\b(?:feature selection|selected features|features? (?:were|was) (?:selected"
        r"|chosen|dropped|removed|excluded)|selectkbest|rfe|input features|predictors"
        r"|input variables|features used)\b",
        scope=(PREPROCESSING, TRAINING_DATA, TRAINING_DETAILS, ARCHITECTURE),
    ),
    ChecklistItem(
        id="preprocessing.outliers",
        title="Preprocessing: outliers and other filters",
        required=False,
        fix="Say how outliers and invalid or incomplete rows were detected and handled, "
        "or that none were removed.",
        record_fix=_PIPELINE_STEP_FIX.format(kind="outlier filter"),
        headings=Topic(
            ("outlier", "filtering", "=filters", "data cleaning", "=cleaning", "deduplication")
        ),
        keywords=r"\b(?:outliers?|filter(?:ed|ing|s)?|removed|removal|dropped|excluded|exclusion"
        r"|cleaned|cleaning|de-?duplicat(?:ed|ion)|missing values|imputed|imputation)\b",
        scope=(PREPROCESSING, TRAINING_DATA, TRAINING_DETAILS),
    ),
    ChecklistItem(
        id="model.architecture",
        title="Model architecture",
        required=True,
        fix="Name the model type and architecture (the estimator or network and its parts).",
        record_fix="Read from the fitted model; pass it with `Release.model(...)`.",
        headings=ARCHITECTURE,
        keywords=r"\b(?:architecture|model type|layers?|transformer|encoder|decoder|random forest"
        r"|logistic regression|linear regression|gradient[- ]boost(?:ed|ing)|neural network|cnn"
        r"|rnn|lstm|mlp|resnet|bert|gpt|vit|svm|support vector|decision tree|xgboost"
        r"|lightgbm|catboost|nearest neighbou?rs|naive bayes|classifier|regressor|estimator)\b",
        scope=(MODEL,),
        intro=True,
    ),
    ChecklistItem(
        id="model.hyperparameters",
        title="Hyperparameters",
        required=True,
        fix="List the hyperparameters the model was trained with (at least every "
        "non-default value).",
        record_fix="Read from the fitted model; pass it with `Release.model(...)`.",
        headings=Topic(
            (
                "hyperparameter",
                "hyper parameter",
                "training parameters",
                "training configuration",
                "=configuration",
                "training arguments",
            )
        ),
        keywords=r"\b(?:hyper-?parameters?|learning[_ ]rate|batch[_ ]size|epochs?|n_estimators"
        r"|max_depth|weight[_ ]decay|dropout|optimi[sz]er|regulari[sz]ation|warmup|momentum)\b"
        r"|\b(?:c|alpha|gamma)\s*=\s*\d|\b\d+ trees\b|\bdepth (?:of )?\d+|\bof depth \d+",
        scope=(MODEL, TRAINING, TRAINING_DETAILS),
    ),
    ChecklistItem(
        id="model.training_procedure",
        title="Training procedure",
        required=True,
        fix="Describe how the model was trained: procedure, optimiser, stopping criterion "
        "(e.g. early stopping), number of runs.",
        record_fix="Read from the fitted pipeline; pass it with `Release.model(...)`.",
        headings=TRAINING,
        keywords=r"\b(?:early stopping|epochs?|trained (?:for|on|with|using|by)|fine-?tuned"
        r"|fit(?:ted)? (?:on|with|using)|optimi[sz](?:er|ed)|training (?:took|time|loss)"
        r"|gradient descent|converged?)\b",
        scope=(MODEL, TRAINING_DETAILS),
    ),
    ChecklistItem(
        id="model.weights",
        title="Model weights",
        required=True,
        fix="Publish the weights beside the card (model.safetensors, model.skops…) and say "
        "which file to load.",
        record_fix="Save the release again: the model file is written by `Release.save`.",
        headings=Topic(("model weights", "=weights", "checkpoint", "model files", "=files")),
        keywords=r"\.(?:safetensors|skops|bin|ckpt|pth?|onnx|h5|keras|gguf|joblib|pkl|msgpack"
        r"|tflite)\b|\b(?:from_pretrained|hf_hub_download|snapshot_download|weights"
        r"|checkpoints?)\b",
        files=(
            "*.safetensors",
            "*.skops",
            "*.bin",
            "*.ckpt",
            "*.pt",
            "*.pth",
            "*.onnx",
            "*.h5",
            "*.keras",
            "*.gguf",
            "*.joblib",
            "*.msgpack",
            "*.tflite",
        ),
    ),
    ChecklistItem(
        id="evaluation.metrics",
        title="Evaluation metrics and results",
        required=True,
        fix="Report the evaluation metrics with their values and the data they were measured "
        "on (also as model-index metadata).",
        record_fix="Evaluate with `Release.evaluate(X, y, dataset=...)` or `--test FILE`.",
        headings=Topic(
            (
                "results",
                "metrics",
                "performance",
                "quantitative analysis",
                "quantitative analyses",
                "benchmark",
                "scores",
            )
        ),
        keywords=r"\b(?:accuracy|f1|precision|recall|roc[- ]?auc|auc|rmse|mae|mse|r2|r²|bleu"
        r"|rouge|perplexity|wer|cer|iou|top-?1|log[- ]?loss|matthews)\b",
        scope=(EVALUATION,),
    ),
    ChecklistItem(
        id="evaluation.datasets",
        title="Evaluation on more than one dataset",
        required=False,
        fix="Evaluate on a second dataset beyond the training distribution (another source, "
        "period or population) and report it.",
        record_fix="Call `Release.evaluate(X, y, dataset=...)` once more with another dataset.",
        headings=Topic(
            (
                "external validation",
                "out of distribution",
                "additional evaluation",
                "generalization",
                "generalisation",
                "robustness",
            )
        ),
        keywords=r"\b(?:external (?:validation|test)|independent (?:test|validation|data)"
        r"|out[- ]of[- ]distribution|second (?:evaluation|test) (?:set|dataset)|another dataset"
        r"|additional (?:test|evaluation) (?:set|data)|other datasets|held[- ]out (?:year|site"
        r"|hospital|season|period|population|region))\b",
        scope=(EVALUATION,),
    ),
    ChecklistItem(
        id="ethics.considerations",
        title="Ethical considerations",
        required=True,
        fix="Add an 'Ethical considerations' section: who is affected, possible harms and "
        "misuse, sensitive data.",
        record_fix=_give_fix("describe.ethical_considerations"),
        fact="describe.ethical_considerations",
        headings=ETHICS,
        keywords=r"\b(?:ethic(?:s|al)|harms?|harmful|societal|dual[- ]use|accountability)\b",
    ),
    ChecklistItem(
        id="ethics.fairness",
        title="Fairness: per-group evaluation (when people are involved)",
        required=True,
        fix="Evaluate the model per group of the people it affects (e.g. by sex, age, "
        "ethnicity) and report the results.",
        record_fix="Evaluate per group with "
        "`Release.evaluate(..., sensitive_features=df[['sex']])`, or waive the item with the "
        "reason (`Release.waive('ethics.fairness', ...)`).",
        headings=Topic(
            (
                "fairness",
                "bias evaluation",
                "per group",
                "disaggregated",
                "subgroup",
                "=factors",
                "relevant factors",
                "group metrics",
            )
        ),
        keywords=r"\b(?:fairness|per[- ]group|disaggregated|sub-?groups?|demographic parity"
        r"|equali[sz]ed odds|equal opportunity|across (?:groups|demographics|sexes|genders"
        r"|races|ages)|by (?:sex|gender|race|ethnicity|age group))\b"
        r"|\b(?:sex|gender|race|ethnicity|age)\s*=\s*\w",
        scope=(EVALUATION, ETHICS),
        people_only=True,
    ),
    ChecklistItem(
        id="contact",
        title="Contact",
        required=True,
        fix="Add a 'Contact' section: where to send questions and reports "
        "(an e-mail address or an issue tracker).",
        record_fix=_give_fix("contact"),
        fact="contact",
        headings=Topic(
            (
                "contact",
                "maintainer",
                "=support",
                "=questions",
                "=feedback",
                "=owners",
                "point of contact",
            )
        ),
        keywords=r"\b(?:contact|reach (?:us|out)|open an issue|issue tracker|mailto:)\b",
    ),
    ChecklistItem(
        id="acknowledgments",
        title="Acknowledgments",
        required=False,
        fix="Thank the people, funders and data providers behind the model.",
        record_fix=_give_fix("describe.acknowledgments"),
        fact="describe.acknowledgments",
        headings=Topic(
            (
                "acknowledgment",
                "acknowledgement",
                "credits",
                "=thanks",
                "funding",
            )
        ),
        keywords=r"\b(?:thanks?|thankful|acknowledge?(?:ment|ement)?s?|grateful|funded by"
        r"|supported by)\b",
    ),
    ChecklistItem(
        id="examples",
        title="Examples and demo",
        required=False,
        fix="Show a runnable example: load the model and predict on one input.",
        record_fix="Save the release again: `Release.save` writes and runs examples/predict.py.",
        headings=Topic(
            (
                "get started",
                "getting started",
                "=usage",
                "how to use",
                "example",
                "quick start",
                "quickstart",
                "demo",
                "=inference",
            )
        ),
        keywords=r"\b(?:from_pretrained|pipeline\(|\.predict\(|skops\.io\.load|hf_hub_download)",
        files=("examples/*", "*.ipynb", "example*.py", "demo*.py"),
    ),
    ChecklistItem(
        id="license",
        title="Model license",
        required=True,
        fix="Set `license:` in the card's YAML metadata to a Hub license id "
        "(e.g. mit, apache-2.0).",
        record_fix=_give_fix("license"),
        fact="license",
        headings=Topic(
            (
                "=license",
                "=licence",
                "=licensing",
                "=model license",
                "=license information",
                "=licensing information",
            ),
            unless=(*TRAINING_DATA.synonyms, "dataset", "evaluation data", "test data", "=eval"),
        ),
    ),
    ChecklistItem(
        id="uses.intended",
        title="Intended uses",
        required=True,
        fix="Add an 'Intended uses' section: what the model is for and who should use it.",
        record_fix=_give_fix("describe.intended_use"),
        fact="describe.intended_use",
        headings=Topic(
            (
                "intended use",
                "=uses",
                "=use",
                "direct use",
                "use cases",
                "intended users",
                "=applications",
                "=purpose",
            )
        ),
        keywords=r"\b(?:intended (?:to|for)|is (?:meant|designed|built) (?:to|for)"
        r"|use cases?|can be used (?:to|for))\b",
        scope=(USES,),
        intro=True,
    ),
    ChecklistItem(
        id="uses.out_of_scope",
        title="Out-of-scope uses",
        required=True,
        fix="Add an 'Out-of-scope uses' section: uses the model must not be put to and where "
        "it will not work.",
        record_fix=_give_fix("describe.out_of_scope"),
        fact="describe.out_of_scope",
        headings=Topic(
            (
                "out of scope",
                "misuse",
                "limitations of use",
                "prohibited use",
                "not intended",
                "unintended use",
                "malicious use",
            )
        ),
        keywords=r"\b(?:out[- ]of[- ]scope|should not be used|must not be used|not (?:be )?"
        r"intended|not designed (?:to|for)|misuse|not suitable|do not use|not meant (?:to|for))\b",
        scope=(USES,),
    ),
    ChecklistItem(
        id="limitations",
        title="Limitations",
        required=True,
        fix="Add a 'Limitations' section: known failure modes, data the model was not "
        "trained on, biases.",
        record_fix=_give_fix("describe.limitations"),
        fact="describe.limitations",
        headings=Topic(
            ("limitation", "caveats", "known issues", "failure modes", "weaknesses", "=risks")
        ),
        keywords=r"\b(?:limitations?|fails?|failures?|does not generali[sz]e|may not (?:work"
        r"|generali[sz]e|perform)|caveats?|weakness(?:es)?|not robust|performs? (?:poorly"
        r"|worse))\b",
    ),
    ChecklistItem(
        id="citation",
        title="Citation",
        required=False,
        fix="Say how to cite the model (a BibTeX entry or a reference).",
        record_fix=_give_fix("describe.citation"),
        fact="describe.citation",
        headings=Topic(("citation", "=cite", "how to cite", "bibtex", "reference", "citing")),
        keywords=r"@\w+\s*\{|\bbibtex\b|\bdoi\.org\b|\bdoi:\s*10\.|\barxiv\b",
    ),
)

ITEMS_BY_ID: dict[str, ChecklistItem] = {item.id: item for item in ITEMS}
