"""A maintainer scans a release for personal data before publishing it."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import pytest

from modelshare.audit.pii import MAX_FILE_BYTES, PiiFinding, find_personal_data, scan_files
from modelshare.errors import InvalidInputError

EMAIL = "maria.lopez@cs.uni-leipzig.de"
PHONE = "+49 341 9732 2450"
SSN = "536-22-8471"
VISA = "4111 1111 1111 1111"

CARD = f"""\
---
license: cc-by-4.0
library_name: sklearn
---

# penguin-species

Predicts the species of a penguin from its measurements (v1.2.0, released 2024-05-01).
Questions go to {EMAIL}, or by phone on {PHONE}.

## Evaluation

| split | accuracy | f1     | n   |
|-------|----------|--------|-----|
| test  | 0.9871   | 0.9853 | 69  |
| 2009  | 0.9412   | 0.9398 | 120 |

Weights sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
Digest of the data: 3141592653589793238462643383279502884197169399375105820974944592
Install with `pip install scikit-learn==1.4.2 skops>=0.9 numpy==1.26.4.0`.
The server at 192.0.2.15 (documentation range) listens on 127.0.0.1:8080 and 10.0.0.4.
Report issues to issues@example.com or security@mail.example.org.

## Data

One record carried a social security number ({SSN}) and a card number ({VISA}); both
were removed. A look-alike, 4111 1111 1111 1112, fails the Luhn check.

## Citation

Horst, A. M. et al. (2020). ISBN 978-3-16-148410-0, doi:10.5281/zenodo.3960218, arXiv:2106.09685.
Collected 12.11.2007 to 24.11.2009; contact form id 0000-0002-1825-0097.
"""
PLANTED = {
    ("email", 9, EMAIL),
    ("phone", 9, PHONE),
    ("national_id", 26, SSN),
    ("payment_card", 26, VISA),
}


def test_planted_personal_data_is_found_at_its_line_and_nothing_else() -> None:
    findings = find_personal_data(CARD, "README.md")
    assert {(f.kind, f.line) for f in findings} == {(kind, line) for kind, line, _ in PLANTED}
    assert {f.file for f in findings} == {"README.md"}
    for finding in findings:
        (value,) = [v for kind, _, v in PLANTED if kind == finding.kind]
        column = finding.column
        assert column is not None
        line_text = CARD.splitlines()[finding.line - 1]
        assert line_text[column - 1 :].startswith(value)


def test_no_finding_shows_a_full_value() -> None:
    findings = find_personal_data(CARD, "README.md")
    shown = repr(findings)
    for _, _, value in PLANTED:
        assert value not in shown
        assert value.replace(" ", "").replace("-", "") not in shown.replace(" ", "").replace(
            "-", ""
        )
    masks = {f.kind: f.masked for f in findings}
    assert masks == {
        "email": "m***@c***.de",
        "phone": "+** *** **** 2450",
        "national_id": "***-**-8471",
        "payment_card": "**** **** **** 1111",
    }


@pytest.mark.parametrize(
    ("text", "kind", "masked"),
    [
        ("mail j.doe@example-university.org now", "email", "j***@e***.org"),
        ("Call (312) 847-2916.", "phone", "(***) ***-2916"),
        ("Call 312-847-2916.", "phone", "***-***-2916"),
        ("Tel. +1 (312) 847-2916", "phone", "+* (***) ***-2916"),
        ("Tel. +44 (0)20 7946 0958", "phone", "+** (*)** **** 0958"),
        ("Tél. 01 23 45 67 89", "phone", "** ** ** 67 89"),
        ("Tel. 020 7946 0958", "phone", "*** **** 0958"),
        ("NI number AB 12 34 56 C", "national_id", "** ** ** *6 C"),
        ("DNI 12345678Z", "national_id", "*******8Z"),
        ("card 5555-5555-5555-4444", "payment_card", "****-****-****-4444"),
        ("amex 3782 822463 10005", "payment_card", "**** ****** *0005"),
        ("card 4012888888881881", "payment_card", "************1881"),
        ("from 81.2.69.160 at noon", "ip_address", "81.*.*.*"),
        ("via 2a00:1450:4001:82a::200e", "ip_address", "2a00:****::****"),
    ],
)
def test_each_kind_is_recognised_and_masked(text: str, kind: str, masked: str) -> None:
    (finding,) = find_personal_data(text, "notes.txt")
    assert (finding.kind, finding.masked) == (kind, masked)


@pytest.mark.parametrize(
    "text",
    [
        "versions 1.0.0, 1.2.3, v1.2.3.4, torch==2.1.0.1, pkg-1.0.0.2, >=4.2.0.1",
        "dates 2024-01-15, 15.01.2024, 01/02/2024, 12.11.2007",
        "metrics 0.9871 0.9012 | 1234 | 5678 | 9012 | 3456 |",
        "sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "digits 41111111111111111111111111111111111111111111111111",
        "Luhn-invalid 4111 1111 1111 1112 and 1234 5678 9012 3456",
        "ISBN 978-3-16-148410-0, 0-306-40615-2, 0306406152, 9783161484100",
        "arXiv 2106.09685, doi 10.1007/978-3-030-58452-8_1",
        "mail info@example.com, a@sub.example.net, x@host.test, git@github.com:org/repo.git",
        "logo at assets/logo@2x.png",
        "ips 127.0.0.1 10.1.2.3 192.168.0.10 172.16.5.4 192.0.2.1 198.51.100.7 203.0.113.9",
        "ips 0.0.0.0 255.255.255.255 224.0.0.1 ::1 fe80::1 2001:db8::1",
        "fictional 555-0142: (415) 555-0142 and +1 415 555 0199",
        "invalid SSNs 000-12-3456 666-12-3456 912-34-5678 123-00-4567 123-45-0000",
        "NI numbers never issued QQ 12 34 56 C, GB123456A",
        "bad DNI 12345678A",
        "times 10:30:00, MAC 00:1a:2b:3c:4d:5e, C++ std::vector",
        "zip Cambridge, MA 02139-4307 and +12.345678 percent",
        "sizes 256 512 1024 and 100-200-3000",
    ],
)
def test_things_that_only_look_like_personal_data_are_not_reported(text: str) -> None:
    assert find_personal_data(text, "README.md") == []


def test_one_value_is_reported_once() -> None:
    (finding,) = find_personal_data("+1 312-847-2916", "README.md")
    assert (finding.kind, finding.column) == ("phone", 1)


def test_every_finding_of_a_one_megabyte_card_is_found() -> None:
    big_card = CARD * (1_000_000 // len(CARD) + 1)
    findings = find_personal_data(big_card, "README.md")
    assert len(findings) == len(PLANTED) * (1_000_000 // len(CARD) + 1)


def cpu_seconds(text: str) -> float:
    """CPU time of one scan (other processes do not count), at least a few milliseconds."""
    started = time.process_time()
    find_personal_data(text, "README.md")
    return max(time.process_time() - started, 0.005)


def test_pathological_text_is_scanned_in_linear_time() -> None:
    """time(4n) / time(n) stays near 4 (quadratic would give 16): a ratio, not a time."""

    def hostile(n: int) -> str:
        return "+1234567890123456)1 " * n + "a@" + "a-" * (5 * n) + "1234 " * (2 * n)

    small = statistics.median(cpu_seconds(hostile(5_000)) for _ in range(3))
    large = statistics.median(cpu_seconds(hostile(20_000)) for _ in range(3))
    assert large / small < 8


def test_a_release_folder_is_scanned_file_by_file(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text(f"# Model\n\nContact: {EMAIL}\n", encoding="utf-8")
    (tmp_path / "modelshare.json").write_text(
        '{\n  "contact": "k.tanaka@riken.jp"\n}\n', encoding="utf-8"
    )
    (tmp_path / "examples").mkdir()
    (tmp_path / "examples" / "notes.txt").write_text(f"phone {PHONE}\n", encoding="utf-8")
    (tmp_path / "model.safetensors").write_bytes(b"\x00\x01" + EMAIL.encode() + b"\x00" * 64)
    (tmp_path / "huge.csv").write_bytes(EMAIL.encode() + b"\n" + b"0" * MAX_FILE_BYTES)
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config").write_text(f"[user]\n\temail = {EMAIL}\n", encoding="utf-8")

    findings = scan_files(tmp_path)

    assert findings == [
        PiiFinding("email", "README.md", 3, 10, "m***@c***.de"),
        PiiFinding("phone", "examples/notes.txt", 1, 7, "+** *** **** 2450"),
        PiiFinding("email", "modelshare.json", 2, 15, "k***@r***.jp"),
    ]


def test_scanning_a_missing_folder_says_what_to_give(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="is not a folder"):
        scan_files(tmp_path / "no-such-release")
