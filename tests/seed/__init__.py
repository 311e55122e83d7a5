"""The seed lesson's PyTorch code, kept as the lesson writes it, for the release tests."""
