"""The seed lesson's "Saving a model to Hugging Face" code as written: MyModel with the mixin."""
# ruff: noqa: I001, UP006, UP035  (the lesson's code as written, formatted)

from typing import Dict, Any
import torch
import torch.nn as nn

from huggingface_hub import PyTorchModelHubMixin  # NEW


class MyModel(nn.Module, PyTorchModelHubMixin):  # PyTorchModelHubMixin is new
    def __init__(self, config: Dict[str, Any]):
        super().__init__()
        # Initialize layers and parameters
        self.param = nn.Parameter(torch.rand(config["num_channels"], config["hidden_size"]))
        self.linear = nn.Linear(config["hidden_size"], config["num_classes"])
        self.config = config

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x + self.param)
