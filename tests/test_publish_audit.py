"""`modelshare publish` audits the release first; --force publishes anyway, and says so."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from modelshare.audit.hub_metadata import parse_front_matter
from modelshare.bundle import Bundle
from modelshare.hubs import LocalRegistry
from modelshare.hubs.publishing import FORCED_TAG, mark_forced
from modelshare.manifest import verify_folder, write_manifest
from tests.helpers import assert_clean_failure, run_in_process

NAME = "penguin-species"


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MODELSHARE_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


@pytest.fixture
def draft(quickstart_bundle: Bundle, tmp_path: Path) -> Path:
    """The quick start release with its contact and intended use left blank."""
    folder = tmp_path / "draft"
    shutil.copytree(quickstart_bundle.path, folder)
    record = json.loads((folder / "modelshare.json").read_text())
    record["contact"] = None
    record["describe"]["intended_use"] = None
    (folder / "modelshare.json").write_text(json.dumps(record, indent=2))
    write_manifest(folder)
    return folder


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def test_a_release_missing_human_facts_is_refused_naming_them(draft: Path) -> None:
    result = run_in_process("publish", draft)

    assert_clean_failure(result, "not ready to publish", "contact", "uses.intended", "--force")
    assert LocalRegistry().list_releases() == []


def test_force_publishes_a_marked_copy_and_leaves_the_folder_alone(draft: Path) -> None:
    before = snapshot(draft)

    result = run_in_process("publish", draft, "--force", "--json")

    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout)
    assert outcome["forced"] == ["contact", "uses.intended"]
    assert snapshot(draft) == before
    published = Path(outcome["location"])
    card = (published / "README.md").read_text()
    after_title = card.split(f"\n# {NAME}\n", 1)[1]
    assert after_title.lstrip().startswith(
        "> **Published with `--force`.** `modelshare check` blocked this release on: "
        "contact, uses.intended."
    )
    assert verify_folder(published).ok
    pulled = LocalRegistry().pull(NAME, to=draft.parent / "pulled")
    assert "Published with `--force`" in (pulled / "README.md").read_text()


def test_a_complete_release_publishes_unmarked(quickstart_bundle: Bundle) -> None:
    result = run_in_process("publish", quickstart_bundle.path, "--force", "--json")

    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout)
    assert outcome["forced"] == []
    published = Path(outcome["location"])
    assert snapshot(published) == snapshot(quickstart_bundle.path)


def test_a_signed_draft_is_not_forced_through_without_a_new_signature(draft: Path) -> None:
    (draft / "model.sig").write_text("{}")

    result = run_in_process("publish", draft, "--force")

    assert_clean_failure(result, "breaks the signature", "--sign-key")
    assert LocalRegistry().list_releases() == []


def test_the_note_goes_under_the_title_after_the_metadata() -> None:
    card = "---\nlicense: mit\n---\n# Penguins\n\nPredicts species.\n"

    marked = mark_forced(card, ["contact"])

    assert marked.startswith("---\nlicense: mit\n---\n# Penguins\n\n> **Published with `--force`")
    assert marked.endswith("read it with that in mind.\n\nPredicts species.\n")
    assert mark_forced("No title.\n", ["contact"]).startswith("> **Published with `--force`")


@pytest.mark.parametrize(
    "prefix", ["\ufeff", "\n", "\r\n", "\ufeff\n  \n"], ids=["bom", "blank", "crlf", "bom+blank"]
)
def test_a_forced_card_keeps_its_metadata_whatever_comes_before_it(prefix: str) -> None:
    card = f"{prefix}---\nlicense: mit\ntags: [penguins]\n---\n# Penguins\n\nPredicts species.\n"

    marked = mark_forced(card, ["contact"])

    assert parse_front_matter(marked).metadata == {"license": "mit", "tags": ["penguins"]}
    assert marked.index("license: mit") < marked.index("# Penguins") < marked.index(FORCED_TAG)


def test_a_card_whose_metadata_never_closes_gets_the_note_on_top() -> None:
    card = "---\nlicense: mit\n# Penguins\n"

    assert mark_forced(card, ["contact"]).startswith(f"> **{FORCED_TAG}")
