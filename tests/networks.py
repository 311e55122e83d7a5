"""Networks the PyTorch tests train and release, in a module of their own so that a release's
example imports them without importing anything else."""

from __future__ import annotations

import torch
from torch import nn


class PenguinNet(nn.Module):
    """Penguin species from the four body measurements, standardised inside the network."""

    def __init__(
        self, n_features: int = 4, hidden: int = 16, n_classes: int = 3, dropout: float = 0.1
    ):
        super().__init__()
        self.register_buffer("mean", torch.zeros(n_features))
        self.register_buffer("scale", torch.ones(n_features))
        self.layers = nn.Sequential(
            nn.Linear(n_features, hidden),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(hidden, n_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers((x - self.mean) / self.scale)


class TiedLanguageModel(nn.Module):
    """A tiny language model whose output layer shares the embedding's weights."""

    def __init__(self, vocab: int = 12, width: int = 4):
        super().__init__()
        self.embed = nn.Embedding(vocab, width)
        self.head = nn.Linear(width, vocab, bias=False)
        self.head.weight = self.embed.weight

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.head(self.embed(tokens))


def outputs(model: nn.Module, inputs: torch.Tensor) -> torch.Tensor:
    """The network's outputs in evaluation mode."""
    model.eval()
    with torch.no_grad():
        return model(inputs)
