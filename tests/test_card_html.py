"""A reader opens a release's card as a web page; a notebook user looks at modelshare's objects."""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image, ImageStat

from modelshare.audit.check import check_path
from modelshare.bundle import Bundle
from modelshare.card.html import render_html
from modelshare.card.render import render_card
from modelshare.penguins import load_penguins
from modelshare.shift import drift
from tests.helpers import assert_clean_failure, run_in_process

CHROMIUM = Path("/usr/bin/chromium")
WINDOW = (1280, 2000)
HOSTILE = "<script>alert(1)</script> and <img src=x onerror=alert(2)>"
MARKUP_WITH_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)
NOTEBOOK_LIMIT = 20_000


@pytest.fixture(scope="module")
def page(quickstart_bundle: Bundle) -> str:
    return render_html(quickstart_bundle)


def release_with_card(bundle: Bundle, folder: Path, card: str, record: str = "") -> Path:
    """A copy of the release whose README.md is ``card`` (and modelshare.json ``record``)."""
    shutil.copytree(bundle.path, folder)
    (folder / "README.md").write_text(card, encoding="utf-8")
    if record:
        (folder / "modelshare.json").write_text(record, encoding="utf-8")
    return folder


def attributes(page: str, name: str) -> list[str]:
    """Every value of the attribute ``name`` in the page."""
    return re.findall(rf'\s{name}="([^"]*)"', page)


def test_every_image_is_the_release_file_the_card_names(page: str, quickstart_bundle) -> None:
    card = (quickstart_bundle.path / "README.md").read_text(encoding="utf-8")
    named = re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", card)
    sources = attributes(page, "src")

    assert len(named) == 8 and len(sources) == len(named)
    for source, path in zip(sources, named, strict=True):
        media, _, data = source.partition(",")
        assert media == "data:image/png;base64"
        assert base64.b64decode(data) == (quickstart_bundle.path / path).read_bytes()
        Image.open(BytesIO(base64.b64decode(data))).verify()


def test_the_page_fetches_nothing_and_runs_nothing(page: str) -> None:
    for tag in ("<script", "<link", "<iframe", "<object", "<embed", "@import", "url("):
        assert tag not in page
    for name in ("srcset", "poster", "action", "background"):
        assert not attributes(page, name)
    assert all(href.startswith("#") for href in attributes(page, "href"))
    assert not re.search(r"\b(?:src|href)=\"(?:https?:)?//", page)


def test_the_page_shows_the_metadata_and_every_section(page: str) -> None:
    panel = page[page.index("<aside>") :]
    assert "<dt>License</dt><dd>mit</dd>" in panel
    assert '<span class="chip">tabular-classification</span>' in panel
    assert "<td>Recall (Gentoo)</td>" in panel and "<td>0.9773</td>" in panel
    assert "Missing facts (0)" in panel
    for section in ("Model details", "Evaluation", "Citation"):
        assert f'">{section}</a>' in panel
    assert '<pre><code class="language-python">' in page
    assert "<table>" in page[: page.index("<aside>")]


def test_human_facts_holding_html_render_as_text(quickstart_bundle, tmp_path: Path) -> None:
    record = quickstart_bundle.record
    hostile = record.model_copy(
        update={
            "license": HOSTILE,
            "contact": None,
            "describe": record.describe.model_copy(update={"intended_use": HOSTILE}),
        }
    )
    example = (quickstart_bundle.path / "examples" / "predict.py").read_text(encoding="utf-8")
    card, saved = render_card(hostile, example), hostile.model_dump_json()
    page = render_html(release_with_card(quickstart_bundle, tmp_path / "hostile", card, saved))

    assert "<script" not in page and not MARKUP_WITH_HANDLER.search(page)
    # the fact and the license line of the card, the license in the panel and in the top bar
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 4
    assert '<blockquote class="missing" id="missing-contact">' in page
    assert '<a href="#missing-contact">contact</a>' in page


def test_card_references_out_of_the_release_are_named_not_fetched(
    quickstart_bundle, tmp_path: Path
) -> None:
    text = (quickstart_bundle.path / "README.md").read_text(encoding="utf-8")
    (tmp_path / "secret.png").write_bytes(b"\x89PNG\r\n\x1a\nsecret")
    references = (
        "![outside](../secret.png) ![remote](https://example.com/a.png) "
        "![not an image](modelshare.json) [run](javascript:alert(1))"
    )
    page = render_html(
        release_with_card(quickstart_bundle, tmp_path / "r", f"{text}\n{references}")
    )

    assert all(source.startswith("data:image/png;base64,") for source in attributes(page, "src"))
    assert not any("javascript:" in href for href in attributes(page, "href"))
    for reason in (
        "outside the release folder",
        "not a file of the release",
        "not a PNG, JPEG or GIF file",
    ):
        assert f'<span class="no-image">image not shown ({reason})' in page


@pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed")
def test_the_page_renders_in_a_headless_browser(page: str, tmp_path: Path) -> None:
    html = tmp_path / "card.html"
    html.write_text(page, encoding="utf-8")
    screenshot = tmp_path / "card.png"
    command = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        f"--screenshot={screenshot}",
        f"--window-size={WINDOW[0]},{WINDOW[1]}",
        html.as_uri(),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)

    assert screenshot.is_file(), result.stderr[-2000:]
    image = Image.open(screenshot).convert("RGB")
    assert image.size == WINDOW
    assert image.getpixel((5, 5)) == (0x24, 0x29, 0x2F)  # the top bar: the style sheet applied
    assert len(image.getcolors(maxcolors=1 << 16) or range(1 << 16)) > 100
    assert ImageStat.Stat(image.convert("L")).stddev[0] > 20


def test_a_bundle_prints_on_one_line_and_shows_a_summary_in_a_notebook(
    quickstart_bundle,
) -> None:
    line = repr(quickstart_bundle)
    assert "\n" not in line and len(line) < 300
    assert line.startswith("Bundle(name='penguin-species', version='1.0.0'")
    assert str(quickstart_bundle) == line

    html = quickstart_bundle._repr_html_()
    assert len(html) < NOTEBOOK_LIMIT
    for fact in ("penguin-species 1.0.0", "LogisticRegression", "tabular-classification"):
        assert fact in html
    assert '<td style="text-align:left">0.9917</td>' in html  # penguins-2009 accuracy
    assert '<td style="text-align:left">none</td>' in html  # no missing fact


def test_check_reports_show_their_verdict_and_what_needs_attention(
    quickstart_bundle, tmp_path: Path
) -> None:
    passed = check_path(quickstart_bundle.path)._repr_html_()
    card = tmp_path / "card.md"
    card.write_text("# Demo <b>model</b>\n\nTODO\n", encoding="utf-8")
    failed = check_path(card)._repr_html_()

    assert len(passed) < NOTEBOOK_LIMIT and len(failed) < NOTEBOOK_LIMIT
    assert "modelshare check: passed" in passed and "Needs attention" not in passed
    assert "modelshare check: failed" in failed and "Needs attention" in failed
    assert '<td style="text-align:left">license</td>' in failed


def test_a_drift_report_shows_each_column_in_a_notebook(quickstart_bundle) -> None:
    penguins = load_penguins()
    report = drift(quickstart_bundle.path, penguins[penguins["island"] == "Torgersen"])
    html = report._repr_html_()

    assert len(html) < NOTEBOOK_LIMIT
    assert f"Drift report: {report.verdict}" in html
    assert "species (label shift)" in html
    assert '<td style="text-align:left">island</td><td style="text-align:left">drift</td>' in html


def test_the_card_command_writes_the_page(quickstart_bundle, tmp_path: Path) -> None:
    out = tmp_path / "card.html"
    result = run_in_process("card", quickstart_bundle.path, "--html", out)

    assert result.returncode == 0, result.stderr
    assert f"wrote {out}" in result.stdout
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in tmp_path.iterdir()] == ["card.html"]  # no temporary file left


@pytest.mark.parametrize(
    ("release", "out", "message"),
    [
        ("nowhere", "card.html", "is not a modelshare release: no such folder"),
        ("release/README.md", "card.html", "is not a modelshare release: not a folder"),
        ("card-only", "card.html", "modelshare.json not found"),
        ("release", "release/card.html", "inside the release folder"),
        ("release", "missing/card.html", "no such folder"),
        ("release", ".", "is a folder"),
    ],
)
def test_the_card_command_refuses_unusable_input(
    quickstart_bundle, tmp_path: Path, monkeypatch, release: str, out: str, message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("release").symlink_to(quickstart_bundle.path)
    Path("card-only").mkdir()
    Path("card-only/README.md").write_text("# A card alone\n", encoding="utf-8")
    result = run_in_process("card", release, "--html", out)

    assert result.returncode == 2
    assert_clean_failure(result, message)
    assert not (quickstart_bundle.path / "card.html").exists()


def test_the_card_command_help_is_short() -> None:
    result = run_in_process("card", "--help")
    assert result.returncode == 0
    assert len(result.stdout.splitlines()) < 20
