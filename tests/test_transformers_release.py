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
from modelshare.verification import verify_release  # noqa: E402
from tests.helpers import run_in_process  # noqa: E402
from tests.reviews import HELD_OUT, REVIEWS, train_review_classifier  # noqa: E402

BASE_MODEL = "google-bert/bert-base-uncased"


@pytest.fixture(scope="module")
def classifier():
    """A tiny BERT classifier trained on the reviews, and its word-piece tokenizer."""
    model, tokenizer, optimizer = train_review_classifier(epochs=40)
    model.config.name_or_path = BASE_MODEL  # as if loaded with from_pretrained(BASE_MODEL)
    return model, tokenizer, optimizer


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


@pytest.mark.e2e  # the release, loaded by plain Python without modelshare
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
    command = run_in_process(
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


def test_a_text_model_example_reads_real_texts_or_made_up_ones_and_says_which(
    classifier, bundle: Bundle, tmp_path: Path
) -> None:
    from modelshare.examples import MADE_UP_TEXTS

    model, tokenizer, _ = classifier
    rel = Release("review-sentiment", license="mit")
    rel.training_data([t for t, _ in REVIEWS], [y for _, y in REVIEWS], name="toy reviews")
    rel.model(model, tokenizer=tokenizer)
    rel.evaluate([t for t, _ in HELD_OUT], [y for _, y in HELD_OUT], dataset="held-out reviews")
    made_up = rel.save(tmp_path / "made-up", example_rows="synthetic")

    real = bundle.record.example_rows
    assert (real.source, real.dataset) == ("evaluation", "held-out reviews")
    assert HELD_OUT[0][0] in (bundle.path / "examples" / "predict.py").read_text()
    assert made_up.record.example_rows.source == "made_up"
    script = (made_up.path / "examples" / "predict.py").read_text()
    assert MADE_UP_TEXTS[0] in script
    assert not any(text in script for text, _ in [*REVIEWS, *HELD_OUT])
    assert "input texts were written for the example" in (made_up.path / "README.md").read_text()
