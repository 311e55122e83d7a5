"""What a scan reports: one :class:`FileScan` per file, gathered in a :class:`ScanReport`.

Example:
    >>> import zipfile
    >>> from modelshare.safety import scan_file
    >>> with zipfile.ZipFile("pytorch_model.bin", "w") as checkpoint:  # os.system as a model
    ...     checkpoint.writestr("archive/data.pkl", b"cos\\nsystem\\n(S'ls'\\ntR.")
    >>> scan = scan_file(Path("pytorch_model.bin"))
    >>> scan.format, scan.safe, scan.unsafe_globals
    ('pytorch', False, ['os.system'])
    >>> print(scan.to_json())
    {
      "path": "pytorch_model.bin",
      ...
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import Field, computed_field

from modelshare.reports import ReportModel
from modelshare.safety.allowlist import is_allowed
from modelshare.safety.trust import decide_trust


class FileScan(ReportModel):
    """What one file is, what its pickles import, and why it is unsafe, if it is.

    A file is safe when it imports nothing outside the allowlist and every part of it could
    be read completely. ``contains_pickle`` says whether loading it unpickles anything at all.

    Example:
        >>> scan = FileScan(path="model.pkl", format="pickle", contains_pickle=True)
        >>> scan.add_global("os.system")
        >>> scan.safe, scan.unsafe_globals
        (False, ['os.system'])
    """

    path: str
    format: str
    contains_pickle: bool = False
    globals: list[str] = Field(default_factory=list)
    """Every global the file's pickles import, in the order met."""
    unsafe_globals: list[str] = Field(default_factory=list)
    """The globals that are not on the allowlist."""
    untrusted_types: list[str] = Field(default_factory=list)
    """Types a skops file needs trusted before ``skops.io.load`` builds them."""
    needs_trust: dict[str, str] = Field(default_factory=dict)
    """The untrusted types that neither modelshare's default list nor the caller grants, each
    with the reason it is risky (:func:`modelshare.safety.trust.type_risk`)."""
    problems: list[str] = Field(default_factory=list)
    """Why the file, or a part of it, cannot be judged safe, one sentence each."""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def safe(self) -> bool:
        """The content is safe and every type a skops file needs is trusted."""
        return self.content_safe and not self.needs_trust

    @property
    def content_safe(self) -> bool:
        """Nothing outside the allowlist is imported and nothing was left unread, whichever
        skops types a receiver may choose to trust."""
        return not self.unsafe_globals and not self.problems

    def apply_trust(self, trusted: Iterable[str] = ()) -> None:
        """Judge the skops types found against the trust policy: the default list plus
        ``trusted``, the types the caller grants.

        Example:
            >>> scan = FileScan(path="model.skops", format="skops")
            >>> scan.untrusted_types = ["builtins.exec", "numpy.dtype"]
            >>> scan.apply_trust()
            >>> list(scan.needs_trust)
            ['builtins.exec']
        """
        self.needs_trust = decide_trust(self.untrusted_types, trusted).risks()

    def add_global(self, name: str) -> None:
        """Record an imported global, classified against the allowlist.

        Example:
            >>> scan = FileScan(path="model.pkl", format="pickle", contains_pickle=True)
            >>> scan.add_global("numpy.dtype")
            >>> scan.add_global("os.system")
            >>> scan.globals, scan.unsafe_globals
            (['numpy.dtype', 'os.system'], ['os.system'])
        """
        if name not in self.globals:
            self.globals.append(name)
        if not is_allowed(name) and name not in self.unsafe_globals:
            self.unsafe_globals.append(name)

    def add_problem(self, text: str) -> None:
        """Record a reason the file is unsafe, as one line.

        Example:
            >>> scan = FileScan(path="model.pkl", format="pickle")
            >>> scan.add_problem("cannot read completely:\\n  pickle exhausted before seeing STOP")
            >>> scan.problems, scan.safe
            (['cannot read completely: pickle exhausted before seeing STOP'], False)
        """
        line = " ".join(text.split())
        if line not in self.problems:
            self.problems.append(line)

    def include(self, part: FileScan) -> None:
        """Add what was found in a part of this file (an archive member, a compressed body);
        problems are prefixed with the part's name when it differs from the file's.

        Example:
            >>> archive = FileScan(path="wrapped.zip", format="zip")
            >>> member = FileScan(path="model.pkl", format="pickle", contains_pickle=True)
            >>> member.add_global("os.system")
            >>> member.add_problem("3 bytes follow the end of the pickle at byte 30")
            >>> archive.include(member)
            >>> archive.contains_pickle, archive.unsafe_globals, archive.problems
            (True, ['os.system'], ['model.pkl: 3 bytes follow the end of the pickle at byte 30'])
        """
        for name in part.globals:
            self.add_global(name)
        self.contains_pickle |= part.contains_pickle
        self.untrusted_types += [t for t in part.untrusted_types if t not in self.untrusted_types]
        for problem in part.problems:
            self.add_problem(problem if part.path == self.path else f"{part.path}: {problem}")


class ScanReport(ReportModel):
    """The scan of a file or of every file in a folder, with paths relative to it.

    Example:
        >>> from modelshare.safety import scan_path
        >>> report = scan_path(Path("releases/penguin-species"))
        >>> report.safe, sorted({f.format for f in report.files})
        (True, ['image (png)', 'json', 'skops', 'text'])
    """

    path: str
    files: list[FileScan]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def safe(self) -> bool:
        """Every file is safe."""
        return all(file.safe for file in self.files)
