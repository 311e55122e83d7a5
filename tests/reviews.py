"""Toy movie reviews and a tiny BERT classifier trained on them, built offline: the text model
the transformers tests release."""

from __future__ import annotations

import torch
import transformers

WORDS = ["a", "the", "film", "plot", "acting", "was", "is", "good", "great", "fine"]
WORDS += ["bad", "awful", "boring", "dull"]
REVIEWS = [
    ("a good film", "positive"),
    ("the acting was great", "positive"),
    ("a fine plot", "positive"),
    ("the film is great", "positive"),
    ("a bad film", "negative"),
    ("the acting was awful", "negative"),
    ("a boring plot", "negative"),
    ("the film is dull", "negative"),
]
HELD_OUT = [("the plot was good", "positive"), ("the plot was bad", "negative")] * 2


def train_review_classifier(
    epochs: int,
) -> tuple[
    transformers.BertForSequenceClassification,
    transformers.BertTokenizerFast,
    torch.optim.Optimizer,
]:
    """A two-layer BERT with a word-level vocabulary of :data:`WORDS`, trained on
    :data:`REVIEWS` (seeded), with its tokenizer and optimizer."""
    tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS]
    tokenizer = transformers.BertTokenizerFast(vocab={token: i for i, token in enumerate(tokens)})
    config = transformers.BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=37,
        id2label={0: "negative", 1: "positive"},
        label2id={"negative": 0, "positive": 1},
    )
    torch.manual_seed(0)
    model = transformers.BertForSequenceClassification(config)
    texts = [text for text, _ in REVIEWS]
    labels = torch.tensor([config.label2id[label] for _, label in REVIEWS])
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    model.train()
    for _ in range(epochs):
        loss = model(**tokenizer(texts, padding=True, return_tensors="pt"), labels=labels).loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model.eval(), tokenizer, optimizer
