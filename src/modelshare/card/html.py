"""The model card as one HTML page, and the small HTML summaries a notebook shows.

:func:`render_html` renders the release's README.md below its YAML block, so the page shows
the text the Hub shows, author edits included, with markdown-it-py (CommonMark with tables).
A side panel holds the metadata, read from the release record as
:func:`modelshare.card.render.card_data` writes it into that block (the block itself is not
parsed: YAML from a stranger is read only by the audit's bounded reader), the model-index
results, the missing facts and the sections. Opening the page runs nothing and fetches
nothing:

- raw HTML written in the card is shown as text (markdown-it's ``html`` option is off), links
  with a scheme markdown-it refuses (``javascript:``, ``vbscript:``, ``file:``) stay text,
  and every value of the side panel is escaped by Jinja's autoescape;
- images are embedded as ``data:`` URIs, so the page is one file that opens anywhere (sent
  by mail, kept as a CI artifact, shown in a notebook) and is never written into the release,
  where an extra file would fail ``modelshare verify``. Only files inside the release folder
  whose first bytes say PNG, JPEG or GIF are embedded, within :data:`MAX_IMAGE_BYTES` each
  and :data:`MAX_PAGE_IMAGE_BYTES` in all; any other image (a URL, a path out of the folder,
  a file that is no image) becomes a note naming it, never an ``<img>``.

Example:
    >>> page = render_html("releases/penguin-species")
    >>> write_html("releases/penguin-species", Path("card.html"))
    PosixPath('card.html')
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from html import escape
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import unquote, urlsplit

from modelshare.card.placeholders import MARKER
from modelshare.errors import InvalidInputError
from modelshare.layout import CARD_FILE, RECORD_FILE, slug
from modelshare.release_folder import require_release

if TYPE_CHECKING:
    from huggingface_hub import EvalResult, ModelCardData
    from markdown_it import MarkdownIt
    from markdown_it.renderer import RendererHTML
    from markdown_it.token import Token
    from markdown_it.utils import EnvType, OptionsDict

MAX_IMAGE_BYTES = 2 * 1024 * 1024
"""Largest image file embedded in the page; a larger one is named instead."""
MAX_PAGE_IMAGE_BYTES = 16 * 1024 * 1024
"""Most image bytes one page embeds, every reference counted."""
IMAGE_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}
IMAGE_TYPES |= {b"GIF87a": "image/gif", b"GIF89a": "image/gif"}
"""The first bytes of each image format embedded, and its media type."""
HIGHLIGHTED = frozenset({"python", "py", "bash", "sh", "shell", "json", "yaml", "bibtex"})
"""Languages of fenced code coloured with Pygments; other code is shown plainly."""
MAX_HIGHLIGHTED_CHARS = 20_000
"""Longest code block coloured; a longer one is shown plainly."""
MAX_RESULT_ROWS = 30
"""Most model-index metrics the side panel lists."""
MAX_SUMMARY_ROWS = 25
"""Most table rows a notebook summary shows; the rest are counted."""
MAX_CELL_CHARS = 160
"""Longest value a notebook summary shows; a longer one is cut with an ellipsis."""
MAX_PANEL_CHARS = 60
"""Longest metadata value or metric name the side panel shows."""
LEFT = ' style="text-align:left"'
"""Notebooks centre or right-align table cells; a summary reads from the left."""
_MISSING_FIELD = re.compile(re.escape(MARKER.removeprefix("> ")) + r"([\w.]+)\*\*")

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }} · model card</title>
<style>
:root { --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; --soft: #f6f8fa; --accent: #0969da;
  --warn-bg: #fff8c5; --warn-line: #d4a72c; }
* { box-sizing: border-box; }
body { margin: 0; background: #eef1f4; color: var(--ink); line-height: 1.55;
  font: 15px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; }
.bar { background: #24292f; color: #fff; padding: 0.9rem 2rem; display: flex;
  flex-wrap: wrap; align-items: baseline; gap: 0.4rem 1rem; }
.bar .name { font-size: 1.35rem; font-weight: 650; }
.bar .kind { color: #c9d1d9; font-size: 0.85rem; text-transform: uppercase;
  letter-spacing: 0.06em; }
.bar .chip { background: #3d444d; color: #f0f6fc; }
.layout { display: grid; grid-template-columns: minmax(0, 1fr) 19rem; gap: 1.5rem;
  max-width: 84rem; margin: 1.5rem auto; padding: 0 1.5rem; }
main { background: #fff; border: 1px solid var(--line); border-radius: 8px;
  padding: 1.25rem 1.75rem 2rem; min-width: 0; }
aside { position: sticky; top: 1rem; align-self: start; max-height: calc(100vh - 2rem);
  overflow-y: auto; display: flex; flex-direction: column; gap: 1rem; font-size: 0.88rem; }
.panel { background: #fff; border: 1px solid var(--line); border-radius: 8px;
  padding: 0.8rem 1rem; }
.panel h2 { font-size: 0.8rem; text-transform: uppercase; letter-spacing: 0.06em;
  color: var(--muted); margin: 0 0 0.5rem; border: 0; padding: 0; }
.panel dl { display: grid; grid-template-columns: auto 1fr; gap: 0.25rem 0.8rem; margin: 0; }
.panel dt { color: var(--muted); }
.panel dd { margin: 0; overflow-wrap: anywhere; }
.panel ul, .panel ol { margin: 0; padding-left: 1.2rem; }
.panel table { font-size: 0.82rem; margin: 0; display: block; overflow-x: auto; }
.panel th, .panel td { padding: 0.2rem 0.45rem; }
.panel td:not(:first-child), .panel th:not(:first-child) { text-align: right; }
.panel.missing { border-color: var(--warn-line); background: var(--warn-bg); }
.panel .note { color: var(--muted); margin: 0.4rem 0 0; }
.chips { display: flex; flex-wrap: wrap; gap: 0.3rem; margin-top: 0.6rem; }
.chip { display: inline-block; background: #ddf4ff; color: #0550ae; border-radius: 999px;
  padding: 0.05rem 0.6rem; font-size: 0.8rem; }
h1, h2, h3 { line-height: 1.25; margin: 1.6em 0 0.6em; }
main h1 { font-size: 2rem; margin-top: 0.4em; }
main h2 { font-size: 1.45rem; border-bottom: 1px solid var(--line); padding-bottom: 0.3em; }
main h3 { font-size: 1.12rem; }
a { color: var(--accent); }
table { border-collapse: collapse; margin: 1rem 0; display: block; overflow-x: auto;
  max-width: 100%; font-size: 0.88rem; }
th, td { border: 1px solid var(--line); padding: 0.3rem 0.6rem; text-align: left;
  vertical-align: top; }
th { background: var(--soft); font-weight: 600; }
tr:nth-child(even) td { background: #fafbfc; }
td img { max-width: 7.5rem; height: auto; display: block; }
img { max-width: min(100%, 26rem); height: auto; }
code { font: 0.85em ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  background: var(--soft); border-radius: 4px; padding: 0.1em 0.35em; }
pre { background: var(--soft); border: 1px solid var(--line); border-radius: 6px;
  padding: 0.9rem 1rem; overflow-x: auto; line-height: 1.45; }
pre code { background: none; padding: 0; font-size: 0.83rem; }
blockquote { margin: 1rem 0; padding: 0.2rem 1rem; border-left: 4px solid var(--line);
  color: var(--muted); }
blockquote.missing { border-left-color: var(--warn-line); background: var(--warn-bg);
  color: var(--ink); border-radius: 0 6px 6px 0; }
.no-image { display: inline-block; border: 1px dashed var(--warn-line); background: var(--warn-bg);
  border-radius: 4px; padding: 0.1rem 0.4rem; font-size: 0.85em; }
@media (max-width: 60rem) { .layout { grid-template-columns: 1fr; } aside { position: static;
  max-height: none; } }
{{ code_style }}
</style></head><body>
<header class="bar"><span class="kind">Model card</span><span class="name">{{ title }}</span>
{% for chip in chips %}<span class="chip">{{ chip }}</span>{% endfor %}</header>
<div class="layout">
<main>
{{ body }}
</main>
<aside>
<section class="panel"><h2>Metadata</h2>
<dl>{% for label, value in metadata %}<dt>{{ label }}</dt><dd>{{ value }}</dd>
{% endfor %}</dl>
{% if tags %}<div class="chips">{% for tag in tags %}<span class="chip">{{ tag }}</span>
{% endfor %}</div>{% endif %}
</section>
<section class="panel{{ ' missing' if missing }}"><h2>Missing facts ({{ missing|length }})</h2>
{% if missing %}<ul>{% for field, anchor in missing %}<li><a href="#{{ anchor }}">{{ field }}</a>
</li>{% endfor %}</ul><p class="note"><code>modelshare check</code> says how to give them.</p>
{% else %}<p class="note">None: the card has no <em>Missing: …</em> line.</p>{% endif %}
</section>
{% if datasets %}<section class="panel"><h2>Results (model-index)</h2>
<table><tr><th>Metric</th>{% for name in datasets %}<th>{{ name }}</th>{% endfor %}</tr>
{% for metric, values in results %}<tr><td>{{ metric }}</td>
{% for value in values %}<td>{{ value }}</td>{% endfor %}</tr>{% endfor %}</table>
{% if more_results %}<p class="note">and {{ more_results }} more metrics in the release
record</p>{% endif %}</section>{% endif %}
{% if contents %}<section class="panel"><h2>Contents</h2><ol>
{% for anchor, text in contents %}<li><a href="#{{ anchor }}">{{ text }}</a></li>{% endfor %}
</ol></section>{% endif %}
</aside>
</div>
</body></html>
"""
"""The page: the top bar, the rendered card and the side panel (Jinja, autoescaped)."""


class _NotEmbedded(Exception):
    """An image reference the page names instead of showing; the message says why."""


class OpenedRelease(Protocol):
    """What the page needs of a :class:`modelshare.bundle.Bundle`: its folder."""

    @property
    def path(self) -> Path:
        """The release folder."""


def release_folder(source: str | PathLike[str] | OpenedRelease) -> Path:
    """The folder of a release given as a path or an opened bundle, checked to hold a record
    and a card.

    Example:
        >>> release_folder("releases/penguin-species")
        PosixPath('releases/penguin-species')

    Raises:
        NotAReleaseError: the path is no folder, or holds no modelshare.json or no README.md.
    """
    folder = Path(source) if isinstance(source, (str, PathLike)) else Path(source.path)
    return require_release(folder, holding=(RECORD_FILE, CARD_FILE))


def render_html(source: str | PathLike[str] | OpenedRelease) -> str:
    """The card of a release (its folder or its bundle) as one self-contained HTML page.

    Example:
        >>> from modelshare.bundle import Bundle
        >>> render_html(Bundle.open("releases/penguin-species")).startswith("<!DOCTYPE html>")
        True

    Raises:
        NotAReleaseError: the release is not found (see :func:`release_folder`).
        InvalidInputError: its record is invalid, or its card is not UTF-8.
    """
    from jinja2 import Environment
    from markupsafe import Markup

    from modelshare.card.render import card_data
    from modelshare.record import read_record

    folder = release_folder(source)
    record = read_record(folder / RECORD_FILE)
    markdown = _markdown()
    tokens = markdown.parse(_card_body(_read_card(folder / CARD_FILE)))
    used: dict[str, int] = {}
    headings = _heading_ids(tokens, used)
    missing = _mark_missing(tokens, used)
    env = {"folder": folder, "image_bytes_left": MAX_PAGE_IMAGE_BYTES}
    body = markdown.renderer.render(tokens, markdown.options, env)
    return (
        Environment(autoescape=True)
        .from_string(PAGE)
        .render(
            title=next((text for level, _, text in headings if level == 1), record.name),
            body=Markup(body),
            missing=missing,
            contents=[(anchor, text) for level, anchor, text in headings if level == 2],
            code_style=Markup(_code_style()),
            **_metadata_values(card_data(record)),
        )
    )


def write_html(source: str | PathLike[str] | OpenedRelease, out: Path) -> Path:
    """Write the card's page to ``out`` atomically (temporary file, then rename).

    Example:
        >>> write_html("releases/penguin-species", Path("card.html"))
        PosixPath('card.html')

    Raises:
        NotAReleaseError: the release is not found (see :func:`release_folder`).
        InvalidInputError: the release is unusable, ``out`` is a folder, its folder does not
            exist, or it lies inside the release (an extra file there fails ``modelshare
            verify``).
    """
    from modelshare.fsutil import write_file_durably

    folder = release_folder(source)
    if out.is_dir():
        raise InvalidInputError(f"{out} is a folder: give the path of the HTML file to write")
    if not out.parent.is_dir():
        raise InvalidInputError(f"{out.parent}: no such folder to write {out.name} into")
    if out.resolve().is_relative_to(folder.resolve()):
        raise InvalidInputError(
            f"{out} is inside the release folder, where an extra file fails "
            "`modelshare verify`: write it elsewhere"
        )
    write_file_durably(out, render_html(source).encode("utf-8"))
    return out


def _read_card(path: Path) -> str:
    """The text of a card file.

    Example:
        >>> _read_card(Path("releases/penguin-species/README.md"))[:3]
        '---'

    Raises:
        InvalidInputError: the file cannot be read or is not UTF-8 text.
    """
    try:
        return path.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise InvalidInputError(f"cannot read {path}: {error.strerror}") from error
    except UnicodeDecodeError as error:
        raise InvalidInputError(f"{path} is not UTF-8 text (byte {error.start})") from error


def _card_body(text: str) -> str:
    """The card below its YAML block, split by huggingface_hub's own rule.

    Example:
        >>> _card_body("---\\nlicense: mit\\n---\\n# Demo\\n")
        '# Demo\\n'
    """
    from huggingface_hub.repocard import REGEX_YAML_BLOCK

    block = REGEX_YAML_BLOCK.match(text)
    return text[block.end() :] if block else text


def _markdown() -> MarkdownIt:
    """CommonMark with tables and strikethrough, raw HTML off, images embedded or named."""
    from markdown_it import MarkdownIt

    markdown = MarkdownIt("commonmark", {"html": False, "highlight": _highlight})
    markdown.enable(["table", "strikethrough"])
    markdown.add_render_rule("image", _render_image)
    return markdown


def _render_image(
    renderer: RendererHTML, tokens: Sequence[Token], index: int, options: OptionsDict, env: EnvType
) -> str:
    """An image of the release as an ``<img>`` with a data URI, any other as a note saying
    why it is not shown (markdown-it render rule)."""
    token = tokens[index]
    source = str(token.attrGet("src") or "")
    try:
        uri = _image_data_uri(Path(env["folder"]), source, env["image_bytes_left"])
    except _NotEmbedded as reason:
        alt = renderer.renderInlineAsText(token.children or [], options, env)
        return (
            f'<span class="no-image">image not shown ({escape(str(reason))}): '
            f"{escape(alt)} <code>{escape(source)}</code></span>"
        )
    env["image_bytes_left"] -= len(uri)
    token.attrSet("src", uri)
    return renderer.image(tokens, index, options, env)


def _image_data_uri(folder: Path, source: str, budget: int) -> str:
    """The ``data:`` URI of an image file of the release that ``source`` (a relative,
    URL-encoded path) names.

    Example:
        >>> image = "images/confusion_matrix_penguins-test.png"
        >>> _image_data_uri(Path("releases/penguin-species"), image, 10**6)[:22]
        'data:image/png;base64,'

    Raises:
        _NotEmbedded: the source is a URL or a path out of the folder, names no file, is no
            PNG, JPEG or GIF, is larger than :data:`MAX_IMAGE_BYTES` or than ``budget``
            encoded.
    """
    parts = urlsplit(source)
    path = unquote(parts.path)
    if parts.scheme or parts.netloc or not path or path.startswith("/"):
        raise _NotEmbedded("not a file of the release")
    root = folder.resolve()
    file = (root / path).resolve()
    if not file.is_relative_to(root):
        raise _NotEmbedded("outside the release folder")
    if not file.is_file():
        raise _NotEmbedded("no such file in the release folder")
    with file.open("rb") as stream:
        data = stream.read(MAX_IMAGE_BYTES + 1)
    if len(data) > MAX_IMAGE_BYTES:
        raise _NotEmbedded(f"larger than {MAX_IMAGE_BYTES // 1024 // 1024} MB")
    media = next((kind for magic, kind in IMAGE_TYPES.items() if data.startswith(magic)), None)
    if media is None:
        raise _NotEmbedded("not a PNG, JPEG or GIF file")
    uri = f"data:{media};base64,{base64.b64encode(data).decode('ascii')}"
    if len(uri) > budget:
        raise _NotEmbedded("the page holds as many image bytes as it may")
    return uri


def _highlight(code: str, language: str, _attributes: str) -> str:
    """Fenced code coloured by Pygments (escaped by it) for the languages of
    :data:`HIGHLIGHTED`; "" leaves markdown-it to escape any other code."""
    if language.lower() not in HIGHLIGHTED or len(code) > MAX_HIGHLIGHTED_CHARS:
        return ""
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import get_lexer_by_name

    return highlight(code, get_lexer_by_name(language.lower()), HtmlFormatter(nowrap=True))


def _code_style() -> str:
    """The CSS of Pygments' default colours for code in ``<pre>``."""
    from pygments.formatters import HtmlFormatter

    return HtmlFormatter(style="default").get_style_defs("pre code")


def _heading_ids(tokens: Sequence[Token], used: dict[str, int]) -> list[tuple[int, str, str]]:
    """Give every heading an id made of its words; return (level, id, text) of each."""
    headings = []
    for index, token in enumerate(tokens):
        if token.type == "heading_open":
            text = _inline_text(tokens[index + 1])
            anchor = _unique(slug(text, fallback="section"), used)
            token.attrSet("id", anchor)
            headings.append((int(token.tag[1]), anchor, text))
    return headings


def _mark_missing(tokens: Sequence[Token], used: dict[str, int]) -> list[tuple[str, str]]:
    """Mark every placeholder quote (``> **Missing: field**``) with the class ``missing`` and
    an id; return (field, id) of each."""
    missing = []
    for index, token in enumerate(tokens[:-2]):
        found = _MISSING_FIELD.match(tokens[index + 2].content)
        if token.type == "blockquote_open" and tokens[index + 2].type == "inline" and found:
            anchor = _unique(f"missing-{slug(found[1], fallback='fact')}", used)
            token.attrSet("class", "missing")
            token.attrSet("id", anchor)
            missing.append((found[1], anchor))
    return missing


def _inline_text(token: Token) -> str:
    """The plain text of an inline token: its text and code, without the Markdown marks."""
    parts = token.children or []
    return "".join(part.content for part in parts if part.type in ("text", "code_inline"))


def _unique(anchor: str, used: dict[str, int]) -> str:
    """``anchor``, or ``anchor-2``, ``anchor-3``… when it is taken, recorded as taken.
    ``used`` maps each anchor given to the last number tried after it, so a card of many
    equal headings costs linear time.

    Example:
        >>> used = {}
        >>> [_unique("uses", used) for _ in range(3)]
        ['uses', 'uses-2', 'uses-3']
    """
    candidate, number = anchor, used.get(anchor, 1)
    while candidate in used:
        number += 1
        candidate = f"{anchor}-{number}"
    used[anchor] = number
    used.setdefault(candidate, 1)
    return candidate


def _metadata_values(data: ModelCardData) -> dict[str, Any]:
    """What the top bar and the side panel show of the card's metadata."""
    fields = {
        "License": data.license,
        "Library": data.library_name,
        "Task": data.pipeline_tag,
        "Base model": data.base_model,
        "Datasets": data.datasets,
    }
    datasets, results = _results(data.eval_results or [])
    return {
        "chips": _words(data.license) + _words(data.pipeline_tag),
        "metadata": [
            (label, ", ".join(words)) for label, v in fields.items() if (words := _words(v))
        ],
        "tags": _words(data.tags),
        "datasets": datasets,
        "results": results[:MAX_RESULT_ROWS],
        "more_results": max(len(results) - MAX_RESULT_ROWS, 0),
    }


def _words(value: str | list[str] | None) -> list[str]:
    """A metadata value (a word or a list of them) as short strings."""
    items = value if isinstance(value, list) else [value] if value else []
    return [_cut(str(item), MAX_PANEL_CHARS) for item in items]


def _results(results: list[EvalResult]) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """The model-index results as dataset names and one row of values per metric."""
    rows: dict[str, dict[str, str]] = {}
    for result in results:
        metric = _cut(str(result.metric_name or result.metric_type), MAX_PANEL_CHARS)
        dataset = _cut(str(result.dataset_name), MAX_PANEL_CHARS)
        rows.setdefault(metric, {})[dataset] = _text(result.metric_value)
    datasets = list(dict.fromkeys(name for row in rows.values() for name in row))
    return datasets, [
        (metric, [row.get(name, "") for name in datasets]) for metric, row in rows.items()
    ]


def summary_html(
    title: str,
    facts: Sequence[tuple[str, Any]],
    headers: Sequence[str] = (),
    rows: Sequence[Sequence[Any]] = (),
) -> str:
    """A small HTML block for a notebook (``_repr_html_``): a title, labelled facts and a
    table of at most :data:`MAX_SUMMARY_ROWS` rows, every value escaped and cut at
    :data:`MAX_CELL_CHARS`; no style sheet, no link, no script.

    Example:
        >>> summary_html("penguin-species 1.0.0", [("Model", "LogisticRegression")])[:5]
        '<div '
    """
    parts = [f'<div class="modelshare"><strong>{_cell(title)}</strong>', "<table>"]
    parts += [f"<tr><th{LEFT}>{_cell(k)}</th><td{LEFT}>{_cell(v)}</td></tr>" for k, v in facts]
    parts.append("</table>")
    if rows:
        shown = [_row("td", row) for row in rows[:MAX_SUMMARY_ROWS]]
        if len(rows) > MAX_SUMMARY_ROWS:
            shown.append(_row("td", [f"and {len(rows) - MAX_SUMMARY_ROWS} more rows"]))
        parts += ["<table>", _row("th", headers), *shown, "</table>"]
    return "\n".join([*parts, "</div>"])


def _row(cell: str, values: Sequence[Any]) -> str:
    """One table row of a notebook summary, its values in ``th`` or ``td`` cells."""
    return "<tr>" + "".join(f"<{cell}{LEFT}>{_cell(value)}</{cell}>" for value in values) + "</tr>"


def _cell(value: Any) -> str:
    """One value of a notebook summary: its text, cut, escaped."""
    return escape(_cut(_text(value), MAX_CELL_CHARS))


def _cut(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis.

    Example:
        >>> _cut("penguin-species", 8)
        'penguin…'
    """
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _text(value: Any) -> str:
    """A value as the card's tables write it: floats to 4 significant digits."""
    return f"{value:.4g}" if isinstance(value, float) else str(value)
