"""The seed lesson's "Saving model locally" code as written: MyModel and save_model."""
# ruff: noqa: E402, F401, I001, UP006, UP035  (the lesson's code as written, formatted)

from typing import Dict, Any
import torch
import torch.nn as nn


class MyModel(nn.Module):
    def __init__(self, config: Dict[str, int]):
        super().__init__()
        # Parameter is a trainable tensor initialized with random values
        self.param = nn.Parameter(torch.rand(config["num_channels"], config["hidden_size"]))
        # Linear layer (fully connected layer) for the output
        self.linear = nn.Linear(config["hidden_size"], config["num_classes"])
        # Store the configuration
        self.config = config

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # Forward pass: Add the input to the param tensor, then pass through the linear layer
        return self.linear(x + self.param)


import json


# Function to save model and config locally
def save_model(model: nn.Module, model_path: str, config_path: str) -> None:
    # Save model state dict (weights and biases) as a .pth file
    torch.save(model.state_dict(), model_path)  #
    # Save config
    with open(config_path, "w") as f:
        json.dump(model.config, f)
