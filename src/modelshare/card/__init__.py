"""The model card: a release record rendered as a Hugging Face README.md."""
