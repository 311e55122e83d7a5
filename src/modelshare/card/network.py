"""Card sections for networks (PyTorch, transformers) and for any recorded training procedure.

Example:
    >>> import torch
    >>> from modelshare.models.networks import summarize
    >>> from modelshare.models.training import optimizer_facts
    >>> net = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))
    >>> print(architecture_section(summarize(net)))
    Parameters: 50 in total, 50 trainable; dtype float32.
    <BLANKLINE>
    | Block | Type | Parameters |
    |---|---|---|
    | `0` | Linear | 32 |
    | `1` | ReLU | 0 |
    | `2` | Linear | 18 |
    <BLANKLINE>
    | Layer type | Count |
    |---|---|
    | Linear | 2 |
    | ReLU | 1 |
    >>> optimizer = optimizer_facts(torch.optim.Adam(net.parameters(), lr=1e-3))
    >>> facts = record.model.model_copy(update={"training": TrainingFacts(optimizer=optimizer)})
    >>> "| lr | 0.001 |" in training_section(facts, network=True)
    True
"""

from __future__ import annotations

from collections import Counter

from modelshare.card.markdown import table
from modelshare.record import ArchitectureFacts, Hyperparameter, ModelFacts, TrainingFacts

TRAINING_CALL = (
    "`Release.training(optimizer=..., epochs=..., batch_size=..., early_stopping=..., seed=...)`"
)


def architecture_section(architecture: ArchitectureFacts) -> str:
    """The top-level blocks with their parameters, the layer types with counts, the totals.

    Example:
        >>> from torch import nn
        >>> from modelshare.models.networks import summarize
        >>> net = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 2))
        >>> "50 in total" in architecture_section(summarize(net))
        True
    """
    blocks = table(
        ["Block", "Type", "Parameters"],
        [[f"`{b.name}`", b.type, f"{b.parameters:,}"] for b in architecture.blocks],
    )
    layers = table(
        ["Layer type", "Count"],
        sorted(architecture.layers.items(), key=lambda item: (-item[1], item[0])),
    )
    totals = (
        f"Parameters: {architecture.total_parameters:,} in total, "
        f"{architecture.trainable_parameters:,} trainable; dtype {architecture.dtype}."
    )
    if architecture.input_shape:
        shape = " × ".join(str(size) for size in architecture.input_shape)
        totals += f" Each input example has shape {shape}."
    return "\n\n".join([totals, blocks, layers])


def configuration_section(hyperparameters: list[Hyperparameter]) -> str:
    """The configuration (``config.json``) entries; those that differ from a known default
    are in bold.

    Example:
        >>> configuration_section([Hyperparameter(name="hidden_size", value=32)])
        '| Setting | Value |\\n|---|---|\\n| hidden_size | 32 |'
    """
    if not hyperparameters:
        return "The model's configuration is empty: its class takes no arguments."
    rows = [[f"**{h.name}**" if h.non_default else h.name, h.value] for h in hyperparameters]
    text = table(["Setting", "Value"], rows)
    if any(h.non_default for h in hyperparameters):
        text = f"Settings that differ from the class defaults are in bold.\n\n{text}"
    return text


def training_section(model: ModelFacts, *, network: bool) -> str:
    """The optimizer and its settings, epochs, batch size, early stopping, dropout and seed;
    what was not recorded is named with the call that records it.

    Example:
        >>> print(training_section(record.model, network=True))
        | Procedure | Value |
        |---|---|
        | Dropout | none (the model has no dropout layer) |
        <BLANKLINE>
        Not recorded: optimizer, epochs, batch size, seed; pass them to `Release.training(...)`.
    """
    training = model.training or TrainingFacts()
    parts = []
    if training.optimizer:
        optimizer = training.optimizer
        parts.append(f"Optimizer: `{optimizer.name}` (`{optimizer.path}`).")
        parts.append(table(["Optimizer setting", "Value"], list(optimizer.settings.items())))
        parts += [_groups_text(training)] if optimizer.groups else []
    rows = [
        [label, value]
        for label, value in (
            ("Epochs", training.epochs),
            ("Batch size", training.batch_size),
            ("Early stopping", training.early_stopping),
            ("Seed", training.seed),
        )
        if value is not None
    ]
    if network or training.dropout:
        rows.append(["Dropout", dropout_summary(training.dropout)])
    rows += [[key.replace("_", " ").capitalize(), value] for key, value in training.details.items()]
    if rows:
        parts.append(table(["Procedure", "Value"], rows))
    missing = _not_recorded(training) if network else []
    if missing:
        parts.append(f"Not recorded: {', '.join(missing)}; pass them to {TRAINING_CALL}.")
    return "\n\n".join(parts)


def dropout_summary(dropout: dict[str, float]) -> str:
    """Dropout probabilities with the number of layers using each.

    Example:
        >>> dropout_summary({"a.dropout": 0.1, "b.dropout": 0.1, "head.dropout": 0.3})
        'p = 0.1 in 2 layers; p = 0.3 in 1 layer (`head.dropout`)'
    """
    if not dropout:
        return "none (the model has no dropout layer)"
    counts = Counter(dropout.values())
    parts = []
    for probability, count in sorted(counts.items()):
        text = f"p = {probability:g} in {count} layer{'s' if count > 1 else ''}"
        if count == 1:
            name = next(key for key, value in dropout.items() if value == probability)
            text += f" (`{name}`)"
        parts.append(text)
    return "; ".join(parts)


def _groups_text(training: TrainingFacts) -> str:
    assert training.optimizer is not None
    groups = [
        f"group {index}: {group['parameters']:,} parameters"
        + "".join(f", {key} {value}" for key, value in group.items() if key != "parameters")
        for index, group in enumerate(training.optimizer.groups)
    ]
    return "Parameter groups differ from these settings: " + "; ".join(groups) + "."


def _not_recorded(training: TrainingFacts) -> list[str]:
    """The procedure facts nobody gave."""
    fields = {
        "optimizer": training.optimizer,
        "epochs": training.epochs,
        "batch size": training.batch_size,
        "seed": training.seed,
    }
    return [name for name, value in fields.items() if value is None]
