"""Model adapters, one module per framework: check, describe, save and load a fitted model."""
