"""A researcher fine-tunes a small transformers text classifier, releases it with its
tokenizer, and a colleague loads it with transformers alone."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from huggingface_hub import ModelCard
from sklearn.metrics import accuracy_score

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

import modelshare  # noqa: E402
from modelshare import Release  # noqa: E402
from modelshare.bundle import Bundle  # noqa: E402
from modelshare.models import adapter_for  # noqa: E402
from modelshare.verify import verify_release  # noqa: E402
from tests.helpers import run_cli  # noqa: E402

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
BASE_MODEL = "google-bert/bert-base-uncased"


@pytest.fixture(scope="module")
def classifier(tmp_path_factory: pytest.TempPathFactory):
    """A tiny BERT classifier trained on the reviews, and its word-piece tokenizer."""
    vocab = tmp_path_factory.mktemp("vocab") / "vocab.txt"
    vocab.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS]) + "\n")
    tokenizer = transformers.BertTokenizerFast(vocab_file=str(vocab))
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
    model.config.name_or_path = BASE_MODEL  # as if loaded with from_pretrained(BASE_MODEL)
    texts = [text for text, _ in REVIEWS]
    labels = torch.tensor([config.label2id[label] for _, label in REVIEWS])
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    model.train()
    for _ in range(40):
        loss = model(**tokenizer(texts, padding=True, return_tensors="pt"), labels=labels).loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model.eval(), tokenizer, optimizer


@pytest.fixture(scope="module")
def bundle(classifier, tmp_path_factory: pytest.TempPathFactory) -> Bundle:
    model, tokenizer, optimizer = classifier
    rel = Release("review-sentiment", license="mit", authors=["A. Researcher"])
    rel.training_data([t for t, _ in REVIEWS], [y for _, y in REVIEWS], name="toy reviews")
    rel.model(model, tokenizer=tokenizer)
    rel.training(optimizer=optimizer, epochs=40, batch_size=len(REVIEWS), seed=0)
    rel.evaluate([t for t, _ in HELD_OUT], [y for _, y in HELD_OUT], dataset="held-out reviews")
    rel.evaluate(
        [t for t, _ in REVIEWS] * 3, [y for _, y in REVIEWS] * 3, dataset="reviews", split="train"
    )
    rel.evaluate(
        [t for t, _ in HELD_OUT] * 5,
        [y for _, y in HELD_OUT] * 5,
        dataset="validation reviews",
        split="validation",
    )
    return rel.save(tmp_path_factory.mktemp("rel") / "review-sentiment")


def logits(model, tokenizer, texts: list[str]) -> torch.Tensor:
    with torch.no_grad():
        return model(**tokenizer(texts, padding=True, return_tensors="pt")).logits


def test_release_loads_with_auto_classes_where_modelshare_is_not_imported(
    classifier, bundle: Bundle
) -> None:
    model, tokenizer, _ = classifier
    texts = [text for text, _ in HELD_OUT]
    code = (
        "import json, sys\n"
        "import torch\n"
        "from transformers import AutoModelForSequenceClassification, AutoTokenizer\n"
        "folder, texts = sys.argv[1], json.loads(sys.argv[2])\n"
        "tokenizer = AutoTokenizer.from_pretrained(folder)\n"
        "model = AutoModelForSequenceClassification.from_pretrained(folder).eval()\n"
        "with torch.no_grad():\n"
        "    out = model(**tokenizer(texts, padding=True, return_tensors='pt')).logits\n"
        "assert 'modelshare' not in sys.modules\n"
        "print(json.dumps({'logits': out.tolist(), 'labels': model.config.id2label}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(bundle.path), json.dumps(texts)],
        cwd=bundle.path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert torch.allclose(
        torch.tensor(loaded["logits"]), logits(model, tokenizer, texts), atol=1e-6
    )
    assert loaded["labels"] == {"0": "negative", "1": "positive"}


def test_modelshare_load_gives_the_same_model(classifier, bundle: Bundle) -> None:
    model, tokenizer, _ = classifier
    loaded = modelshare.load(bundle.path)
    assert type(loaded) is transformers.BertForSequenceClassification
    texts = [text for text, _ in REVIEWS]
    assert torch.equal(logits(loaded, tokenizer, texts), logits(model, tokenizer, texts))


def test_card_metadata_follows_the_architecture(bundle: Bundle) -> None:
    card = ModelCard.load(bundle.path / "README.md")
    assert card.data.library_name == "transformers"
    assert card.data.pipeline_tag == "text-classification"
    assert card.data.base_model == BASE_MODEL
    assert {r.metric_type for r in card.data.eval_results} >= {"accuracy", "roc_auc"}
    text = (bundle.path / "README.md").read_text()
    assert "| Base model | `google-bert/bert-base-uncased` |" in text
    assert "| **hidden_size** | 32 |" in text
    assert "Optimizer: `AdamW` (`torch.optim.adamw.AdamW`)." in text
    assert "| Dropout | p = 0.1 in " in text


def test_tokenizer_is_recorded_and_metrics_match_the_model(classifier, bundle: Bundle) -> None:
    model, tokenizer, _ = classifier
    [step] = bundle.record.preprocessing
    assert (step.kind, step.estimator) == ("tokenizer", type(tokenizer).__name__)
    assert f"vocabulary of {len(tokenizer)} tokens" in step.method
    texts, truth = zip(*HELD_OUT, strict=True)
    indices = logits(model, tokenizer, list(texts)).argmax(1).tolist()
    predicted = [model.config.id2label[i] for i in indices]
    metrics = {m.type: m.value for m in bundle.record.evaluation[0].metrics}
    assert metrics["accuracy"] == round(accuracy_score(truth, predicted), 4)
    assert bundle.record.model.classes == ["negative", "positive"]


def test_a_model_fine_tuned_from_a_local_folder_names_no_base_model(
    classifier, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model, tokenizer, _ = classifier
    monkeypatch.chdir(tmp_path)
    (tmp_path / "checkpoints" / "run-1").mkdir(parents=True)  # a relative path reads as a Hub id
    try:
        for folder in (str(tmp_path), "checkpoints/run-1"):
            model.config.name_or_path = folder
            assert adapter_for(model, tokenizer=tokenizer).describe().base_model is None
    finally:
        model.config.name_or_path = BASE_MODEL


def test_claims_are_re_run_from_texts(bundle: Bundle, tmp_path: Path) -> None:
    texts, labels = [t for t, _ in HELD_OUT], [y for _, y in HELD_OUT]
    pd.DataFrame({"text": texts, "target": labels}).to_csv(tmp_path / "held.csv", index=False)

    result = verify_release(bundle.path, data=(texts, labels), dataset="held-out reviews")
    command = run_cli(
        "verify", bundle.path, "--data", tmp_path / "held.csv", "--target", "target", "--json"
    )

    assert result.ok and result.claims.reproduced and result.claims.same_rows
    assert command.returncode == 0, command.stdout + command.stderr
    assert "Loading weights" not in command.stderr
    claims = json.loads(command.stdout)["claims"]
    assert claims["dataset"] == "held-out reviews" and claims["reproduced"]


def test_texts_are_scored_with_the_classifier_thresholds(classifier, bundle: Bundle) -> None:
    model, tokenizer, _ = classifier
    detector = modelshare.ood(bundle.path)
    texts = [t for t, _ in HELD_OUT] * 5

    scores = detector.score(texts)

    assert detector.thresholds.dataset == "validation reviews"
    assert detector.thresholds.mahalanobis is None  # texts have no moments
    expected = torch.softmax(logits(model, tokenizer, texts), dim=1).max(dim=1).values
    assert np.allclose(scores["max_softmax"], expected.numpy(), atol=1e-6)
    assert scores["flag"].mean() == pytest.approx(detector.thresholds.flagged_share, abs=1e-4)
