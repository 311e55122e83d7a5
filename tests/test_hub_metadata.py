"""A card author checks a model card's metadata the way the Hugging Face Hub will on push."""

from __future__ import annotations

import pytest
from huggingface_hub import ModelCard

from modelshare.audit.hub_metadata import (
    MetadataProblem,
    hub_languages,
    hub_libraries,
    hub_licenses,
    hub_pipeline_tags,
    parse_front_matter,
    validate_card_text,
    validate_metadata,
)

VALID_CARD = """\
---
language:
- en
- fr
license: apache-2.0
library_name: transformers
pipeline_tag: text-classification
tags:
- sentiment-analysis
- distilbert
datasets:
- imdb
- stanfordnlp/sst2
metrics:
- accuracy
- f1
base_model: distilbert/distilbert-base-uncased
model-index:
- name: distilbert-imdb-sentiment
  results:
  - task:
      type: text-classification
      name: Sentiment Analysis
    dataset:
      type: imdb
      name: IMDb
      split: test
      revision: e6281661ce1c48d982bc483cf8a173c1bbeb5d31
    metrics:
    - type: accuracy
      value: 0.9312
      name: Test accuracy
    - type: f1
      value: 0.9298
  - task:
      type: text-classification
    dataset:
      type: stanfordnlp/sst2
      name: SST-2
      config: default
      split: validation
    metrics:
    - type: accuracy
      value: 0.9106
    source:
      name: Reproduction run
      url: https://github.com/example-org/distilbert-imdb
---

# distilbert-imdb-sentiment

A DistilBERT model fine-tuned to tell positive from negative movie reviews.
"""
LICENSE_LINE = 5


def card_with(old: str, new: str) -> str:
    """The valid card with one piece of its metadata rewritten."""
    assert old in VALID_CARD
    return VALID_CARD.replace(old, new, 1)


def only_problem(text: str) -> MetadataProblem:
    problems = validate_card_text(text)
    assert len(problems) == 1, problems
    return problems[0]


def test_a_complete_card_has_no_problem_and_the_hub_library_reads_it() -> None:
    assert validate_card_text(VALID_CARD) == []
    card_data = ModelCard(VALID_CARD).data
    assert card_data.license == "apache-2.0"
    assert [result.metric_value for result in card_data.eval_results] == [0.9312, 0.9298, 0.9106]


def test_front_matter_gives_values_and_where_they_are_written() -> None:
    front = parse_front_matter(VALID_CARD)
    assert front.problems == []
    assert front.metadata["language"] == ["en", "fr"]
    assert front.start_line == 2
    assert front.key_lines["license"] == LICENSE_LINE
    assert front.key_lines["language[1]"] == 4
    assert front.key_lines["model-index[0].results[1].metrics[0].value"] == 44


def test_bom_and_windows_line_endings_change_nothing() -> None:
    windows = "\ufeff" + card_with("license: apache-2.0", "license: MIT").replace("\n", "\r\n")
    problem = only_problem(windows)
    assert (problem.key, problem.value, problem.line) == ("license", "MIT", LICENSE_LINE)
    assert parse_front_matter(windows).metadata["license"] == "MIT"


def test_a_card_without_metadata_has_nothing_to_check() -> None:
    front = parse_front_matter("# A model\n\nNo metadata here.\n")
    assert (front.metadata, front.start_line, front.problems) == ({}, None, [])
    assert validate_card_text("# A model\n") == []


def test_unknown_license_is_an_error_that_points_to_the_hub_list() -> None:
    problem = only_problem(card_with("license: apache-2.0", "license: not-a-license"))
    assert (problem.key, problem.value, problem.severity) == ("license", "not-a-license", "error")
    assert problem.line == LICENSE_LINE
    assert "'not-a-license'" in problem.message
    assert "https://huggingface.co/docs/hub/repositories-licenses" in problem.message


@pytest.mark.parametrize(
    ("written", "suggested"),
    [
        ("MIT", "mit"),
        ("Apache-2.0", "apache-2.0"),
        ("apache 2.0", "apache-2.0"),
        ("cc-by-4", "cc-by-4.0"),
    ],
)
def test_a_license_written_almost_right_gets_the_hub_id(written: str, suggested: str) -> None:
    problem = only_problem(card_with("license: apache-2.0", f"license: {written}"))
    assert problem.message == (
        f"license '{written}' is not a license id the Hub accepts: use '{suggested}'"
    )


def test_license_other_needs_a_name_and_should_have_a_link() -> None:
    problems = validate_card_text(card_with("license: apache-2.0", "license: other"))
    assert [(p.key, p.value, p.severity) for p in problems] == [
        ("license", "other", "error"),
        ("license", "other", "warning"),
    ]
    assert "license_name" in problems[0].message
    assert "license_link" in problems[1].message
    named = "license: other\nlicense_name: acme-research-1.0\nlicense_link: LICENSE"
    assert validate_card_text(card_with("license: apache-2.0", named)) == []


def test_license_name_must_be_an_id_and_only_goes_with_other() -> None:
    problems = validate_metadata({"license": "mit", "license_name": "ACME Research License"})
    assert {p.severity for p in problems} == {"warning"}
    messages = " | ".join(p.message for p in problems)
    assert "use 'acme-research-license'" in messages
    assert "only read when license is 'other'" in messages


def test_several_licenses_are_each_checked() -> None:
    problems = validate_metadata({"license": ["mit", "GPL-3.0"]})
    assert [(p.key, p.value) for p in problems] == [("license[1]", "GPL-3.0")]
    assert "use 'gpl-3.0'" in problems[0].message


def test_a_language_name_gets_its_code() -> None:
    problem = only_problem(card_with("- en\n", "- english\n"))
    assert (problem.key, problem.value, problem.line) == ("language[0]", "english", 3)
    assert problem.message == (
        "language[0] 'english' is not a language code the Hub accepts: use 'en'"
    )


@pytest.mark.parametrize(
    ("written", "suggested"), [("EN", "en"), ("en-US", "en"), ("German", "de"), ("pt_BR", "pt")]
)
def test_near_language_codes_get_the_hub_code(written: str, suggested: str) -> None:
    (problem,) = validate_metadata({"language": written})
    assert problem.message.endswith(f"use '{suggested}'")


def test_iso_639_3_codes_and_special_values_are_accepted() -> None:
    assert validate_metadata({"language": ["eng", "fra", "yue", "code", "multilingual"]}) == []


def test_a_bibliographic_code_is_a_warning_with_the_hub_code() -> None:
    (problem,) = validate_metadata({"language": ["en", "fre"]})
    assert (problem.key, problem.severity) == ("language[1]", "warning")
    assert "use 'fr'" in problem.message


def test_norwegian_written_bare_is_read_as_false() -> None:
    problem = only_problem(card_with("- fr\n", "- no\n"))
    assert (problem.key, problem.value, problem.line) == ("language[1]", "false", 4)
    assert "quote the value" in problem.message


def test_a_misspelt_task_gets_the_hub_task() -> None:
    problem = only_problem(
        card_with("pipeline_tag: text-classification", "pipeline_tag: text-clasification")
    )
    assert (problem.key, problem.value, problem.line) == ("pipeline_tag", "text-clasification", 7)
    assert problem.message.endswith("use 'text-classification'")


def test_an_unknown_library_is_only_a_warning() -> None:
    typo = card_with("library_name: transformers", "library_name: sentence_transformers")
    problem = only_problem(typo)
    assert (problem.key, problem.severity) == ("library_name", "warning")
    assert problem.message.endswith("use 'sentence-transformers'")
    (unknown,) = validate_metadata({"library_name": "my-own-trainer"})
    assert "models-libraries" in unknown.message


def test_datasets_and_base_models_must_be_hub_ids() -> None:
    metadata = {
        "datasets": ["imdb", "my data", "org/name/extra", "https://huggingface.co/datasets/imdb"],
        "base_model": ["google-bert/bert-base-uncased", "bad--name"],
    }
    problems = validate_metadata(metadata)
    assert [(p.key, p.value) for p in problems] == [
        ("datasets[1]", "my data"),
        ("datasets[2]", "org/name/extra"),
        ("datasets[3]", "https://huggingface.co/datasets/imdb"),
        ("base_model[1]", "bad--name"),
    ]
    assert all("'owner/name'" in p.message for p in problems)


def test_tags_and_metrics_are_strings() -> None:
    problems = validate_metadata({"tags": ["vision", 2024], "metrics": {"accuracy": 0.9}})
    assert [(p.key, p.value) for p in problems] == [
        ("tags[1]", "2024"),
        ("metrics", "{'accuracy': 0.9}"),
    ]
    assert problems[0].message == "tags[1] is a number (2024), not a string: write a string"


def test_broken_yaml_is_reported_at_its_line_and_column_in_the_file() -> None:
    problem = only_problem(card_with("license: apache-2.0", "license: apache-2.0: extra"))
    assert (problem.key, problem.line, problem.column) == ("metadata", LICENSE_LINE, 20)
    assert problem.value == "license: apache-2.0: extra"
    assert "line 5, column 20" in problem.message
    after_blank_lines = "\n\n" + card_with("license: apache-2.0", "license: apache-2.0: extra")
    assert only_problem(after_blank_lines.replace("\n", "\r\n")).line == LICENSE_LINE + 2


def test_a_block_that_is_not_a_mapping_or_not_closed_is_a_problem() -> None:
    listed = only_problem("---\n- en\n- fr\n---\n# Model\n")
    assert (listed.key, listed.line) == ("metadata", 2)
    assert "not a mapping" in listed.message
    unclosed = only_problem("---\nlicense: mit\n# Model\n")
    assert unclosed.line == 1
    assert "never closed" in unclosed.message


def test_a_key_written_twice_is_a_warning_at_the_second_line() -> None:
    problem = only_problem(card_with("library_name: transformers", "license: mit"))
    assert (problem.key, problem.severity, problem.line) == ("license", "warning", 6)
    assert "line 5 and again at line 6" in problem.message


def test_a_result_without_metrics_is_reported_with_its_path() -> None:
    results_without_metrics = card_with(
        "    metrics:\n    - type: accuracy\n      value: 0.9106\n", ""
    )
    problem = only_problem(results_without_metrics)
    assert (problem.key, problem.value) == ("model-index[0].results[1].metrics", "")
    assert problem.line == 35  # the "- task:" line of that result
    assert problem.message.startswith("model-index[0].results[1].metrics is missing: add metrics:")


def test_each_ill_typed_part_of_model_index_is_named() -> None:
    model_index = [
        {
            "name": "m",
            "results": [
                {
                    "task": "text-classification",
                    "dataset": {"type": "imdb"},
                    "metrics": [{"type": "accuracy", "value": None}, {"value": 0.5}],
                    "source": {"name": "paper"},
                }
            ],
        },
        {"results": []},
    ]
    problems = validate_metadata({"model-index": model_index})
    assert [p.key for p in problems] == [
        "model-index[0].results[0].task",
        "model-index[0].results[0].dataset.name",
        "model-index[0].results[0].metrics[0].value",
        "model-index[0].results[0].metrics[1].type",
        "model-index[0].results[0].source.url",
        "model-index[1].name",
        "model-index[1].results",
    ]
    assert problems[0].value == "text-classification"


def test_model_index_must_be_a_non_empty_list() -> None:
    for value in ([], {"name": "m"}, "results"):
        (problem,) = validate_metadata({"model-index": value})
        assert problem.key == "model-index"


def test_an_unknown_evaluation_task_is_a_warning() -> None:
    card = card_with(
        "      type: text-classification\n      name:", "      type: sentiment\n      name:"
    )
    problem = only_problem(card)
    assert (problem.key, problem.severity) == ("model-index[0].results[0].task.type", "warning")


def test_alias_bombs_are_refused_before_they_expand() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    card = "---\n" + "\n".join(lines) + "\ntags: *a8\n---\n"
    problem = only_problem(card)
    assert "aliases" in problem.message


def test_the_bundled_hub_lists_hold_what_cards_use() -> None:
    assert {
        "apache-2.0",
        "mit",
        "cc-by-4.0",
        "cc-by-nc-4.0",
        "cc0-1.0",
        "openrail",
    } <= hub_licenses()
    assert {"llama2", "llama3.1", "gemma", "unknown", "other"} <= hub_licenses()
    assert {"text-classification", "tabular-classification", "any-to-any"} <= hub_pipeline_tags()
    assert {"transformers", "sklearn", "timm"} <= hub_libraries()
    assert {"en", "fr", "eng", "yue", "multilingual", "code"} <= hub_languages()
    assert len(hub_languages()) > 7000


def test_a_trainer_dataset_args_string_is_a_warning_with_the_fix() -> None:
    model_index = [
        {
            "name": "m",
            "results": [
                {
                    "task": {"type": "text-classification"},
                    "dataset": {"type": "imdb", "name": "IMDb", "args": "default"},
                    "metrics": [{"type": "accuracy", "value": 0.9}],
                }
            ],
        }
    ]

    [problem] = validate_metadata({"model-index": model_index})

    assert (problem.key, problem.severity) == ("model-index[0].results[0].dataset.args", "warning")
    assert "older model-index spec" in problem.message and "`config: default`" in problem.message
    model_index[0]["results"][0]["dataset"]["args"] = 3
    assert validate_metadata({"model-index": model_index})[0].severity == "error"
