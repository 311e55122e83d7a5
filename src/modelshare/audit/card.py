"""Parse any model card into its sections and tell written text from placeholders.

A card is split at its Markdown headings (ATX ``## Title`` and setext ``Title`` / ``===``);
headings inside fenced code blocks, HTML comments or the YAML front matter are not headings.
Every section keeps the 1-based line of its heading in the original file (front matter lines
included), its body, and the lines of its body that carry real content. What is *not* content:
blank lines, HTML comments, placeholder markers (:data:`PLACEHOLDER`, :data:`PLACEHOLDER_LINE`),
bold labels left without a value (``- **License:**``) and the sentences huggingface_hub's
default template ships with. One pass over the lines; a byte-order mark and Windows or old Mac
line endings are accepted.

Example:
    >>> card = parse_card("---\\nlicense: mit\\n---\\n# Demo\\n\\n## Uses\\n\\nTODO\\n")
    >>> [(s.heading, s.line, s.placeholder) for s in card.sections]
    [('Demo', 4, True), ('Uses', 6, True)]
"""

from __future__ import annotations

import bisect
import re
import string
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property

from modelshare.audit.hub_metadata import front_matter_lines, split_lines
from modelshare.card.placeholders import MARKER
from modelshare.layout import CARD_FILE

_PROMPT_WORDS = r"(?:insert|add|describe|provide|your)\b"
_PROMPT = r"\[\s*" + _PROMPT_WORDS
PLACEHOLDER = re.compile(
    r"\[\s*more\s+info(?:rmation)?\s+needed\s*\]"  # huggingface_hub's template
    r"|(?-i:\b(?:TODO|TBD|TBA|FIXME)\b)"
    r"|\bto\s+be\s+(?:added|completed|determined|written)\b"
    r"|\bcoming\s+soon\b"
    rf"|{_PROMPT}(?:[^\][]++|\[(?!\s*{_PROMPT_WORDS}))*+\]"  # "[Provide a summary]"
    r"|\{\{(?:[^{}]++|\{(?!\{))*+\}\}",  # an unrendered template variable
    re.IGNORECASE,
)
"""What makes a line a placeholder wherever it stands in the line (case-insensitive).

Linear time: a "[Provide…" bracket is read up to its "]" or up to the next "[Provide…", never past
it (that one matches on its own if it closes); a "{{" likewise up to the next "{{". No character
is then read again from every bracket before it.
"""
PLACEHOLDER_LINE = re.compile(
    r"\W*+(?:more\s+info(?:rmation)?\s+needed|n/?a|tbc)\W*+"
    r"|(?=\W*+\Z)\W*?(?:\?|\.\.\.|…|-|—)\W*",
    re.IGNORECASE,
)
"""A line (or a label's value) that holds nothing else: "More info needed", "N/A", "...", "-".

For ``fullmatch``. The signs ("?", "...", "-") are themselves punctuation, so a line of them is
a line of punctuation holding one; reading it so keeps the time linear.
"""

TEMPLATE_BOILERPLATE = frozenset(
    {
        "use the code below to get started with the model.",
        "users (both direct and downstream) should be made aware of the risks, biases and "
        "limitations of the model. more information needed for further recommendations.",
        "carbon emissions can be estimated using the [machine learning impact calculator]"
        "(https://mlco2.github.io/impact#compute) presented in [lacoste et al. (2019)]"
        "(https://arxiv.org/abs/1910.09700).",
        # skops' default template
        "you can contact the model card authors through following channels:",
        "this model card is written by following authors:",
        "below you can find information related to citation.",
    }
)
"""Sentences of huggingface_hub's and skops' default templates that stay when nothing is
filled in."""

_ATX = re.compile(
    r"^ {0,3}(#{1,6})(?:[ \t\u00a0]++(.*?))?(?<![ \t\u00a0])(?:[ \t\u00a0]+#+)?[ \t\u00a0]*$"
)
"""An ATX heading; the closing ``#``s are tried only after a non-blank (linear time). A
no-break space after the ``#``s counts as a space, as card generators (skops) write it."""
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_NOT_PARAGRAPH = re.compile(r"^\s*(?:[-*+>|]|\d+[.)]\s|$)")
_LABEL_ONLY = re.compile(
    r"^\s*(?:[-*+]\s+)?(?:\*\*|__)[^*_]{1,80}?(?::\s*(?:\*\*|__)|(?:\*\*|__)\s*:)\s*$"
)
_LABEL_PREFIX = re.compile(r"^(?:[-*+]\s+)?(?:\*\*|__)?[^:*_]{1,60}:(?:\*\*|__)?\s+(?=\S)")
_RULE = re.compile(r"^\s*+(?:[-*_]\s*+){3,}$|^\s*+\|?(?:\s*+:?-{3,}+:?\s*+\|)+\s*+:?-*+:?\s*+$")
_MISSING_FACT = re.compile(r"^\s*" + re.escape(MARKER) + r"([\w.]+)\*\*")
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
_HEADING_NOISE = re.compile(
    r"\[optional\]|!?\[([^\][]*+)\]\((?:[^)\]]++|\](?!\())*+\)|^\s*\d+(?:\.\d+)*\.?\s+", re.I
)
"""Noise in a heading: "[optional]", links (their text is kept) and leading numbers.

Linear time: a link's text is read up to the next bracket and its target up to the next "](", so
no character is read again from every "[" before it. The words kept are those a link read up to
its first "]" and first ")" leaves, unless a link target holds "](".
"""


def lower_ascii(text: str) -> str:
    """The text lowered with every offset kept, so matches map back to the original.

    ``str.lower`` is used when it keeps the length (it never shortens a character, so equal
    lengths mean equal offsets); otherwise only ASCII letters are lowered.

    Example:
        >>> lower_ascii("CC BY-NC İ")
        'cc by-nc İ'
    """
    lowered = text.lower()
    return lowered if len(lowered) == len(text) else text.translate(_ASCII_LOWER)


class _Searchable:
    """Numbered content lines searched as one text, each match mapped back to its line.

    Searches run on :attr:`lowered_text` (lowercase patterns, no ``re.IGNORECASE``: several
    times faster on long cards); matches are returned as the original text says them.
    """

    def numbered_lines(self) -> Iterator[tuple[int, str]]:
        """(file line, text) of every content line, in order."""
        raise NotImplementedError

    @cached_property
    def _index(self) -> tuple[str, list[int], list[int]]:
        """Lines joined by spaces, so that a phrase broken over two lines still matches."""
        offsets: list[int] = []
        numbers: list[int] = []
        parts: list[str] = []
        position = 0
        for number, text in self.numbered_lines():
            offsets.append(position)
            numbers.append(number)
            parts.append(text)
            position += len(text) + 1
        return " ".join(parts), offsets, numbers

    @property
    def content_text(self) -> str:
        """Every content line, joined by spaces."""
        return self._index[0]

    @cached_property
    def lowered_text(self) -> str:
        """:attr:`content_text` with its ASCII letters lowered (same offsets)."""
        return lower_ascii(self.content_text)

    def line_of(self, offset: int) -> int:
        """The file line of a position in :attr:`content_text`."""
        _, offsets, numbers = self._index
        return numbers[bisect.bisect_right(offsets, offset) - 1]

    def find(self, pattern: re.Pattern[str]) -> tuple[int, str] | None:
        """The first match of a lowercase ``pattern``, as (file line, text as written).

        Example:
            >>> parse_card("# A\\n\\nWe Thank Ann.\\n").find(re.compile("thank"))
            (3, 'Thank')
        """
        match = pattern.search(self.lowered_text)
        if match is None:
            return None
        return self.line_of(match.start()), self.content_text[match.start() : match.end()]


@dataclass(frozen=True, eq=False)
class Section(_Searchable):
    """One heading and the text under it, up to the next heading of any level.

    ``placeholder`` is true when neither the section nor any of its subsections holds
    content; ``unfinished`` when its own body mixes content with placeholder markers.
    Level 0 is the text before the first heading.
    """

    heading: str
    level: int
    line: int
    body: str
    content: tuple[tuple[int, str], ...]
    path: tuple[str, ...]
    placeholder: bool
    unfinished: bool
    marker_line: int | None = None

    @property
    def key(self) -> str:
        """The heading normalised for matching (see :func:`normalize_heading`)."""
        return self.path[-1] if self.path else ""

    def numbered_lines(self) -> Iterator[tuple[int, str]]:
        """The content lines of this section's own body."""
        return iter(self.content)

    def describe(self) -> str:
        """The heading as a reader finds it: ``'## Training data' (line 42)``."""
        if self.level == 0:
            return f"the text before the first heading (line {self.line})"
        return f"'{'#' * self.level} {self.heading}' (line {self.line})"


@dataclass(frozen=True, eq=False)
class Excerpt(_Searchable):
    """Some sections of a card, in file order, searched as one text."""

    sections: tuple[Section, ...]

    def numbered_lines(self) -> Iterator[tuple[int, str]]:
        """The content lines of these sections."""
        for section in self.sections:
            yield from section.content

    def section_at(self, line: int) -> Section:
        """The section whose body holds a line of this excerpt."""
        starts = [section.line for section in self.sections]
        return self.sections[bisect.bisect_right(starts, line) - 1]


@dataclass(frozen=True)
class ParsedCard(_Searchable):
    """A card's text (BOM removed, ``\\n`` line endings), its sections and modelshare placeholders.

    ``missing_facts`` holds (line, dotted field) for each ``> **Missing: field**`` line.
    """

    file: str
    text: str
    sections: tuple[Section, ...]
    missing_facts: tuple[tuple[int, str], ...] = field(default=())

    def numbered_lines(self) -> Iterator[tuple[int, str]]:
        """The content lines of every section, in file order."""
        for section in self.sections:
            yield from section.content

    @cached_property
    def lines(self) -> tuple[str, ...]:
        """The lines of :attr:`text`, split once: file line ``n`` is ``lines[n - 1]``.

        Example:
            >>> parse_card("# A\\r\\nText\\n").lines
            ('# A', 'Text', '')
        """
        return tuple(self.text.split("\n"))

    @cached_property
    def _by_path(self) -> dict[tuple[str, ...], list[int]]:
        groups: dict[tuple[str, ...], list[int]] = {}
        for index, section in enumerate(self.sections):
            groups.setdefault(section.path, []).append(index)
        return groups

    def where(self, keep: Callable[[tuple[str, ...]], bool]) -> Excerpt:
        """The sections whose heading path (``section.path``) ``keep`` accepts, in file order.

        ``keep`` is called once per distinct path, so selecting stays cheap on long cards.

        Example:
            >>> card = parse_card("## Training\\n### Data\\nPenguins.\\n## Contact\\nAnn\\n")
            >>> [s.heading for s in card.where(lambda path: path[0] == "training").sections]
            ['Training', 'Data']
        """
        kept = sorted(i for path, group in self._by_path.items() if keep(path) for i in group)
        return Excerpt(tuple(self.sections[i] for i in kept))

    @property
    def intro(self) -> tuple[Section, ...]:
        """The introduction: text before the first heading and the body under the first title.

        Example:
            >>> [s.heading for s in parse_card("# Demo\\nA forest.\\n## Uses\\nFun.\\n").intro]
            ['Demo']
        """
        first_title = next((s for s in self.sections if s.level == 1), None)
        return tuple(s for s in self.sections if s.level == 0 or s is first_title)


def normalize_heading(text: str) -> str:
    """A heading reduced to lowercase words: no numbering, links, markup or "[optional]".

    Example:
        >>> normalize_heading("3.1 **Out-of-Scope Use** [optional]")
        'out of scope use'
    """
    text = _HEADING_NOISE.sub(lambda m: m.group(1) or " ", text)
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text.lower()).split())


def front_matter_end(lines: list[str]) -> int:
    """The index of the first line after the YAML front matter (0 when there is none).

    The block is found as :func:`~modelshare.audit.hub_metadata.parse_front_matter` finds it;
    one never closed is no block.

    Example:
        >>> front_matter_end(["---", "license: mit", "---", "# Card"])
        3
    """
    bounds = front_matter_lines(lines)
    closing = bounds[1] if bounds else None
    return 0 if closing is None else closing + 1


def strip_comments(line: str, in_comment: bool) -> tuple[str, bool]:
    """The visible part of a line and whether an HTML comment stays open after it.

    Example:
        >>> strip_comments("a <!-- b --> c <!-- d", False)
        ('a  c ', True)
    """
    if not in_comment and "<!--" not in line:
        return line, False
    visible: list[str] = []
    position = 0
    while position < len(line):
        if in_comment:
            end = line.find("-->", position)
            if end < 0:
                return "".join(visible), True
            position, in_comment = end + 3, False
        else:
            start = line.find("<!--", position)
            if start < 0:
                visible.append(line[position:])
                break
            visible.append(line[position:start])
            position, in_comment = start + 4, True
    return "".join(visible), in_comment


def line_kind(visible: str) -> str:
    """``'content'``, ``'marker'`` (a placeholder) or ``'blank'`` for one visible line.

    Example:
        >>> [line_kind(s) for s in ["Trained on X.", "- **License:** TBD", "**APA:**"]]
        ['content', 'marker', 'blank']
    """
    stripped = visible.strip()
    if not stripped or _RULE.match(stripped) or _LABEL_ONLY.match(stripped):
        return "blank"
    if " ".join(stripped.lower().split()) in TEMPLATE_BOILERPLATE:
        return "blank"
    value = _LABEL_PREFIX.sub("", stripped, 1)
    if (
        stripped.startswith(MARKER)
        or PLACEHOLDER_LINE.fullmatch(value)
        or PLACEHOLDER.search(value)
    ):
        return "marker"
    return "content"


@dataclass
class _Open:
    """A section being read: its heading, lines and what they hold."""

    heading: str
    level: int
    line: int
    path: tuple[str, ...]
    order: int
    body: list[str] = field(default_factory=list)
    content: list[tuple[int, str]] = field(default_factory=list)
    marker_line: int | None = None
    filled_below: bool = False

    def close(self) -> Section:
        """Freeze the section once its body and subsections are read."""
        has_content = bool(self.content)
        return Section(
            heading=self.heading,
            level=self.level,
            line=self.line,
            body="\n".join(self.body).strip("\n"),
            content=tuple(self.content),
            path=self.path,
            placeholder=not has_content and not self.filled_below,
            unfinished=has_content and self.marker_line is not None,
            marker_line=self.marker_line,
        )


_CODE_PLACEHOLDER = re.compile(r"\W*+more\s+info(?:rmation)?\s+needed\W*+", re.IGNORECASE)
"""A code line that is only a template's placeholder (skops' citation block holds one)."""


def code_line_kind(raw: str) -> str:
    """``'content'``, ``'marker'`` or ``'blank'`` for a line inside a fenced code block: code
    counts as written, unless the line is only ``[More Information Needed]``.

    Example:
        >>> code_line_kind("[More Information Needed]"), code_line_kind("@misc{key,")
        ('marker', 'content')
    """
    if not raw.strip():
        return "blank"
    return "marker" if _CODE_PLACEHOLDER.fullmatch(raw.strip()) else "content"


class _Reader:
    """Reads lines in order and cuts them into sections; linear in the card's size."""

    def __init__(self, lines: list[str], start: int) -> None:
        self.lines = lines
        self.stack: list[_Open] = [_Open("", 0, start + 1, (), order=0)]
        self.done: list[tuple[int, Section]] = []
        self.missing: list[tuple[int, str]] = []
        self.opened = 1

    def open_section(self, heading: str, level: int, line: int) -> None:
        """Close the sections this heading ends and open its own."""
        while len(self.stack) > 1 and self.stack[-1].level >= level:
            self.close_top()
        path = (*self.stack[-1].path, normalize_heading(heading))
        self.stack.append(_Open(heading, level, line, path, order=self.opened))
        self.opened += 1

    def close_top(self) -> None:
        """Close the innermost open section and tell its parent whether it held content."""
        closing = self.stack.pop()
        section = closing.close()
        if self.stack and self.stack[-1].level > 0 and not section.placeholder:
            self.stack[-1].filled_below = True
        if section.level > 0 or section.body.strip():
            self.done.append((closing.order, section))

    def add(self, number: int, raw: str, visible: str, code: bool) -> None:
        """Add one body line to the innermost section."""
        top = self.stack[-1]
        top.body.append(raw)
        kind = code_line_kind(raw) if code else line_kind(visible)
        if kind == "content":
            top.content.append((number, raw.strip()))
        elif kind == "marker":
            top.marker_line = top.marker_line or number
            fact = _MISSING_FACT.match(visible)
            if fact:
                self.missing.append((number, fact.group(1)))

    def read(self, start: int) -> list[Section]:
        """Read every line from ``start`` on and return the sections in file order."""
        lines = self.lines
        fence: str | None = None
        in_comment = False
        index = start
        while index < len(lines):
            raw, number = lines[index], index + 1
            index += 1
            if fence:
                if _closes(fence, raw):
                    fence = None
                    self.stack[-1].body.append(raw)
                else:
                    self.add(number, raw, raw, code=True)
                continue
            started_in_comment = in_comment
            visible, in_comment = strip_comments(raw, in_comment)
            opening = None if started_in_comment else _FENCE.match(raw)
            if opening:
                fence = opening.group(1)
                self.stack[-1].body.append(raw)
                continue
            atx = None if started_in_comment else _ATX.match(visible.rstrip())
            if atx:
                self.open_section((atx.group(2) or "").strip(), len(atx.group(1)), number)
                continue
            if index < len(lines) and _is_setext(visible, raw, lines[index]):
                level = 1 if lines[index].strip().startswith("=") else 2
                self.open_section(visible.strip(), level, number)
                index += 1
                continue
            self.add(number, raw, visible, code=False)
        while self.stack:
            self.close_top()
        return [section for _, section in sorted(self.done, key=lambda pair: pair[0])]


def _closes(fence: str, line: str) -> bool:
    """Whether ``line`` closes a code block opened by ``fence`` (same character, as long)."""
    closing = _FENCE.match(line)
    return bool(
        closing
        and closing.group(1)[0] == fence[0]
        and len(closing.group(1)) >= len(fence)
        and not line[closing.end() :].strip()
    )


def _is_setext(visible: str, raw: str, following: str) -> bool:
    """Whether ``raw`` is a one-line paragraph underlined as a setext heading."""
    return (
        visible == raw
        and _SETEXT.match(following) is not None
        and not _NOT_PARAGRAPH.match(raw)
        and line_kind(raw) != "blank"
    )


_HIDDEN_OPENING = re.compile(r"<(script|style)\b", re.IGNORECASE)
_HIDDEN_CLOSING = {
    tag: re.compile(rf"</{tag}\b[^>]*+>", re.IGNORECASE) for tag in ("script", "style")
}


def without_scripts(lines: list[str]) -> list[str]:
    """The lines with the insides of HTML ``<script>`` and ``<style>`` elements blanked (a
    reader never sees them: skops' model plot holds pages of CSS and JavaScript); the line
    count stays, and the scan is linear: an element never closed hides the rest of the card.

    Example:
        >>> without_scripts(["<style>.a {color: red}</style> text", "<script>", "x()", "</script>"])
        [' text', '', '', '']
    """
    text = "\n".join(lines)
    kept: list[str] = []
    position = 0
    while (opening := _HIDDEN_OPENING.search(text, position)) is not None:
        kept.append(text[position : opening.start()])
        closing = _HIDDEN_CLOSING[opening.group(1).lower()].search(text, opening.end())
        end = len(text) if closing is None else closing.end()
        kept.append("\n" * text.count("\n", opening.start(), end))
        position = end
    kept.append(text[position:])
    return "".join(kept).split("\n")


def parse_card(text: str, file: str = CARD_FILE) -> ParsedCard:
    """Split a model card into sections, with line numbers of the original file.

    Example:
        >>> card = parse_card("# Card\\n\\n## Training data\\n\\n[More Information Needed]\\n")
        >>> section = card.sections[-1]
        >>> section.heading, section.line, section.placeholder
        ('Training data', 3, True)
    """
    lines = split_lines(text)
    start = front_matter_end(lines)
    reader = _Reader(without_scripts(lines), start)
    sections = reader.read(start)
    return ParsedCard(
        file=file,
        text="\n".join(lines),
        sections=tuple(sections),
        missing_facts=tuple(reader.missing),
    )
