"""Personal data in a card and the text files of a release, reported by place, never in full.

Five kinds are looked for: e-mail addresses, phone numbers (international ``+CC`` numbers, North
American ``(312) 847-2916`` / ``312-847-2916``, and national numbers with a trunk ``0`` such as
``020 7946 0958``), national ids (US SSN ``ddd-dd-dddd``, UK National Insurance numbers,
Spanish DNI/NIE with their check letter), payment card numbers (13–19 digits, Luhn-valid, with a
known issuer prefix) and globally routable IPv4/IPv6 addresses. A finding carries a ``masked``
hint such as ``j***@e***.org`` or ``**** **** **** 1111``; the value itself is never returned.

Not reported, on purpose:

- conventional fake values: e-mail at the RFC 2606 example domains (example.com, example.org,
  example.net, their subdomains, and the .example, .test, .invalid, .localhost TLDs); IP
  addresses that are not globally routable (loopback such as 127.0.0.1, private, link-local,
  unspecified, multicast, reserved, and the RFC 5737 / RFC 3849 documentation ranges); the
  fictional North American numbers 555-0100 to 555-0199; SSNs in the never-issued 000, 666 and
  9xx areas; the UK's never-issued QQ prefix;
- numbers that only look like data: versions (``1.0.0``, and four-part versions after ``==``,
  ``>=``, ``~=``, ``v`` or ``-``), dates, metric values (``0.9871``), table cells, sha256
  digests and other hex or digit runs, ISBNs (``978-3-16-148410-0`` fits no phone layout), SSNs
  written without dashes, and bare digit runs that are neither after a ``+`` nor Luhn-valid
  cards;
- ``git@host`` SSH remotes and image names such as ``logo@2x.png``.

Well-known test card numbers such as 4111 1111 1111 1111 are reported: no format tells them
from a real number, and a reviewer dismisses them in a glance.

Example:
    >>> findings = find_personal_data("Contact: jane.doe@uni.edu", "README.md")
    >>> [(f.kind, f.line, f.masked) for f in findings]
    [('email', 1, 'j***@u***.edu')]
"""

from __future__ import annotations

import bisect
import ipaddress
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Literal

from modelshare.errors import InvalidInputError
from modelshare.layout import CARD_FILE

__all__ = [
    "MAX_FILE_BYTES",
    "SKIPPED_FOLDERS",
    "SNIFF_BYTES",
    "PiiFinding",
    "PiiKind",
    "find_personal_data",
    "scan_files",
]

PiiKind = Literal["email", "phone", "national_id", "payment_card", "ip_address"]

MAX_FILE_BYTES = 5 * 1024 * 1024
"""Files larger than this are not scanned."""
SNIFF_BYTES = 8192
"""A file with a NUL byte in its first bytes is binary and not scanned."""
SKIPPED_FOLDERS = frozenset({".git", ".cache"})
"""Folders that are not part of a release (git internals, download caches)."""


@dataclass(frozen=True)
class PiiFinding:
    """One piece of personal data: its kind, where it is (1-based line and column) and a hint."""

    kind: PiiKind
    file: str
    line: int
    column: int | None
    masked: str


# --- Validation of candidates --------------------------------------------------------------

_EXAMPLE_DOMAINS = ("example.com", "example.org", "example.net")
_RESERVED_TLDS = frozenset({"example", "test", "invalid", "localhost"})
_IMAGE_EXTENSIONS = frozenset({"png", "jpg", "jpeg", "gif", "svg", "webp"})
_NINO_FORBIDDEN_PREFIXES = frozenset({"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"})
_DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"
_PHONE_LAYOUT = re.compile(r"\+\d{1,3}(?:[ .-]?\(\d{1,4}\))?[ .-]?\d+(?:[ .-]\d+)*")
_CARD_ISSUERS: tuple[tuple[str, str, range], ...] = (
    ("4", "4", range(13, 20, 3)),  # Visa: 13, 16, 19 digits
    ("51", "55", range(16, 17)),  # Mastercard
    ("2221", "2720", range(16, 17)),  # Mastercard
    ("34", "34", range(15, 16)),  # American Express
    ("37", "37", range(15, 16)),  # American Express
    ("6011", "6011", range(16, 20)),  # Discover
    ("644", "649", range(16, 20)),  # Discover
    ("65", "65", range(16, 20)),  # Discover
    ("3528", "3589", range(16, 20)),  # JCB
    ("300", "305", range(14, 20)),  # Diners Club
    ("36", "36", range(14, 20)),  # Diners Club
    ("38", "39", range(14, 20)),  # Diners Club
    ("62", "62", range(16, 20)),  # UnionPay
    ("5018", "5018", range(13, 20)),  # Maestro
    ("5020", "5020", range(13, 20)),  # Maestro
    ("5038", "5038", range(13, 20)),  # Maestro
    ("5893", "5893", range(13, 20)),  # Maestro
    ("6304", "6304", range(13, 20)),  # Maestro
    ("6759", "6759", range(13, 20)),  # Maestro
    ("6761", "6763", range(13, 20)),  # Maestro
)


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _is_personal_email(text: str) -> bool:
    local, domain = text.lower().rsplit("@", 1)
    top_level = domain.rsplit(".", 1)[-1]
    is_example = any(domain == d or domain.endswith("." + d) for d in _EXAMPLE_DOMAINS)
    return not (
        is_example
        or top_level in _RESERVED_TLDS
        or top_level in _IMAGE_EXTENSIONS
        or local == "git"
    )


def _is_fictional_nanp(digits: str) -> bool:
    """North American numbers 555-0100 to 555-0199 are reserved for fiction."""
    return digits[3:6] == "555" and 100 <= int(digits[6:]) <= 199


def _is_nanp_phone(text: str) -> bool:
    """Area code and exchange start with 2-9 and are no N11 service code; fiction is left out."""
    digits = _digits(text)
    area, exchange = digits[:3], digits[3:6]
    plausible = all(part[0] in "23456789" and part[1:] != "11" for part in (area, exchange))
    return plausible and not _is_fictional_nanp(digits)


def _is_international_phone(text: str) -> bool:
    digits = _digits(text)
    if digits.startswith("1") and len(digits) == 11 and _is_fictional_nanp(digits[1:]):
        return False
    looks_decimal = re.fullmatch(r"\+\d+\.\d+", text) is not None  # +12.345678
    return (
        8 <= len(digits) <= 15 and not looks_decimal and _PHONE_LAYOUT.fullmatch(text) is not None
    )


def _is_trunk_phone(text: str) -> bool:
    return 10 <= len(_digits(text)) <= 12


def _is_ssn(text: str) -> bool:
    area, group, serial = text.split("-")
    return area not in {"000", "666"} and area[0] != "9" and group != "00" and serial != "0000"


def _is_nino(text: str) -> bool:
    compact = text.replace(" ", "")
    return compact[:2] not in _NINO_FORBIDDEN_PREFIXES and text.count(" ") in (0, 4)


def _is_dni(text: str) -> bool:
    compact = text.replace("-", "")
    number = compact[:-1].replace("X", "0").replace("Y", "1").replace("Z", "2")
    return _DNI_LETTERS[int(number) % 23] == compact[-1]


def _luhn_valid(digits: str) -> bool:
    total = 0
    for position, digit in enumerate(reversed(digits)):
        value = int(digit) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _is_payment_card(text: str) -> bool:
    digits = _digits(text)
    groups = [len(group) for group in re.split(r"[ -]", text)]
    grouped_like_a_card = (
        len(groups) == 1
        or groups in ([4, 6, 5], [4, 6, 4])
        or (all(size == 4 for size in groups[:-1]) and 1 <= groups[-1] <= 4)
    )
    one_separator = len(set(re.findall(r"[ -]", text))) <= 1
    issued = any(
        low <= digits[: len(low)] <= high and len(digits) in lengths
        for low, high, lengths in _CARD_ISSUERS
    )
    return grouped_like_a_card and one_separator and issued and _luhn_valid(digits)


def _is_public_ip(text: str) -> bool:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return False
    return address.is_global and not (address.is_multicast or address.is_reserved)


# --- Masking -------------------------------------------------------------------------------


def _mask_keeping_last(text: str, keep: int) -> str:
    """Star every letter and digit but the last ``keep`` (at most half of them); keep separators."""
    alphanumerics = sum(char.isalnum() for char in text)
    shown = min(keep, alphanumerics // 2)
    masked, seen = [], 0
    for char in text:
        if char.isalnum():
            seen += 1
            masked.append(char if seen > alphanumerics - shown else "*")
        else:
            masked.append(char)
    return "".join(masked)


def _mask_email(text: str) -> str:
    local, domain = text.rsplit("@", 1)
    return f"{local[0]}***@{domain[0]}***.{domain.rsplit('.', 1)[-1]}"


def _mask_ip(text: str) -> str:
    if ":" in text:
        return f"{text.split(':', 1)[0] or '0'}:****::****"
    return f"{text.split('.', 1)[0]}.*.*.*"


# --- The detectors -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Detector:
    kind: PiiKind
    pattern: re.Pattern[str]
    accepts: Callable[[str], bool]
    mask: Callable[[str], str]


# Each pattern finds candidates in linear time (bounded repetitions, separators required between
# groups, no nested unbounded quantifiers); ``accepts`` then confirms them. Earlier detectors win
# where two candidates overlap. Most patterns open with their first character and then a
# lookbehind, ``X(?<![...].)``: "X, not preceded by ...", so that the engine skips ahead fast.
_DETECTORS: tuple[_Detector, ...] = (
    _Detector(
        "email",
        re.compile(
            r"[A-Za-z0-9](?<![\w.+%-].)[A-Za-z0-9._%+-]{0,63}"
            r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![\w-])"
        ),
        _is_personal_email,
        _mask_email,
    ),
    _Detector(
        "payment_card",
        re.compile(r"\d(?<![\w.,+-].)(?:[ -]?\d){12,18}(?![\w-]|[.,]\d)"),
        _is_payment_card,
        partial(_mask_keeping_last, keep=4),
    ),
    _Detector(
        "national_id",
        re.compile(r"\d(?<![\w.-].)\d\d-\d\d-\d{4}(?![\w-]|\.\d)"),
        _is_ssn,
        partial(_mask_keeping_last, keep=4),
    ),
    _Detector(
        "national_id",
        re.compile(
            r"[A-CEGHJ-PR-TW-Z](?<![A-Za-z0-9].)[A-CEGHJ-NPR-TW-Z] ?\d\d ?\d\d ?\d\d ?[A-D]"
            r"(?![A-Za-z0-9])"
        ),
        _is_nino,
        partial(_mask_keeping_last, keep=2),
    ),
    _Detector(
        "national_id",
        re.compile(r"[XYZ\d](?<![\w-].)\d{7}-?[A-HJ-NP-TV-Z](?![\w-])"),
        _is_dni,
        partial(_mask_keeping_last, keep=2),
    ),
    _Detector(
        "phone",
        re.compile(r"\+(?<![\w+].)[1-9][\d ().-]{6,22}\d(?!\d)"),
        _is_international_phone,
        partial(_mask_keeping_last, keep=4),
    ),
    _Detector(
        "phone",
        re.compile(
            r"[(\d](?<![\w.-].)"
            r"(?:(?<=\()\d{3}\) ?\d{3}[ .-]|(?<=\d)\d\d([.-])\d{3}\1)\d{4}(?![\w-]|\.\d)"
        ),
        _is_nanp_phone,
        partial(_mask_keeping_last, keep=4),
    ),
    _Detector(
        "phone",
        re.compile(r"0(?<![\w.+-].)[1-9]\d{0,3}([ .-])\d{2,8}(?:\1\d{2,8}){0,3}(?![\w-]|[.,]\d)"),
        _is_trunk_phone,
        partial(_mask_keeping_last, keep=4),
    ),
    _Detector(
        "ip_address",
        re.compile(r"\d(?<![\w.=<>~^-].)\d{0,2}(?:\.\d{1,3}){3}(?![\w-]|\.\d)"),
        _is_public_ip,
        _mask_ip,
    ),
    _Detector(
        "ip_address",
        re.compile(
            r"(?<![\w:.])(?=[0-9A-Fa-f]{0,4}:[0-9A-Fa-f]{0,4}:)[0-9A-Fa-f:]{3,39}(?![\w:.])"
        ),
        _is_public_ip,
        _mask_ip,
    ),
)


class _ClaimedSpans:
    """Character spans already reported, so that one value is reported once, by one detector."""

    def __init__(self) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []

    def claim(self, start: int, end: int) -> bool:
        index = bisect.bisect_left(self._starts, start)
        if index > 0 and self._ends[index - 1] > start:
            return False
        if index < len(self._starts) and self._starts[index] < end:
            return False
        self._starts.insert(index, start)
        self._ends.insert(index, end)
        return True


# --- Public functions ----------------------------------------------------------------------


def find_personal_data(text: str, file: str) -> list[PiiFinding]:
    """Find personal data in ``text``, in reading order; ``file`` is copied into each finding.

    Example:
        >>> card = "Trained by J. Doe.\\nQuestions: +44 20 7946 0958"
        >>> [(f.kind, f.line, f.column, f.masked) for f in find_personal_data(card, "README.md")]
        [('phone', 2, 12, '+** ** **** 0958')]
    """
    newlines = [match.start() for match in re.finditer("\n", text)]
    claimed = _ClaimedSpans()
    findings = []
    for detector in _DETECTORS:
        for match in detector.pattern.finditer(text):
            value = match.group()
            if detector.accepts(value) and claimed.claim(match.start(), match.end()):
                line = bisect.bisect_left(newlines, match.start()) + 1
                line_start = newlines[line - 2] + 1 if line > 1 else 0
                column = match.start() - line_start + 1
                findings.append(PiiFinding(detector.kind, file, line, column, detector.mask(value)))
    return sorted(findings, key=lambda finding: (finding.line, finding.column or 0))


def scan_files(root: Path) -> list[PiiFinding]:
    """Scan README.md and every other text file under ``root``; paths are relative to ``root``.

    Binary files (a NUL byte in the first 8 KB), files over 5 MB, symbolic links and the
    ``.git`` and ``.cache`` folders are skipped.

    Example:
        >>> _ = Path("releases/penguin-species/NOTES.md").write_text("Ask jane.doe@uni.edu\\n")
        >>> [(f.file, f.kind) for f in scan_files(Path("releases/penguin-species"))]
        [('NOTES.md', 'email')]
    """
    root = Path(root)
    if not root.is_dir():
        raise InvalidInputError(f"{root} is not a folder: give the release folder to scan")
    findings = []
    for path in _candidate_files(root):
        relative = path.relative_to(root).as_posix()
        try:
            content = path.read_bytes()
        except OSError as error:
            raise InvalidInputError(f"cannot read {relative}: {error.strerror}") from error
        if b"\0" not in content[:SNIFF_BYTES]:
            text = content.decode("utf-8", errors="replace")
            findings.extend(find_personal_data(text, relative))
    return findings


def _candidate_files(root: Path) -> Iterator[Path]:
    """README.md first, then the other regular files in path order, within the size limit."""
    paths = sorted(root.rglob("*"), key=lambda path: (path != root / CARD_FILE, path))
    for path in paths:
        relative_parts = path.relative_to(root).parts
        if path.is_symlink() or not path.is_file() or SKIPPED_FOLDERS & set(relative_parts):
            continue
        if path.stat().st_size <= MAX_FILE_BYTES:
            yield path
