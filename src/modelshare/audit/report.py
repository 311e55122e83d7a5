"""The result of ``modelshare check``: a stable JSON structure and its terminal rendering.

docs/check-json.md documents every field of :class:`CheckReport`; ``schema_version`` changes
whenever a field is renamed or removed.

Example:
    >>> from modelshare.audit.check import check_path
    >>> report = check_path(Path("releases/penguin-species"))
    >>> summary_line(report)
    'required 18/18 met, recommended 8/8 met, risks raised: 0 (0 blocking)'
    >>> json.loads(report.to_json())["exit_code"]
    0
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, computed_field

from modelshare.audit.checklist import MET, Status
from modelshare.reports import ReportModel

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

REPORT_SCHEMA_VERSION = "1.0"
Level = Literal["block", "warn"]
Severity = Literal["error", "warning"]
STATUS_STYLES: dict[str, str] = {
    "present": "green",
    "partial": "yellow",
    "missing": "bold red",
    "waived": "cyan",
    "not applicable": "dim",
}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ItemResult(_Model):
    """One checklist item: its status and what shows it, and how to fix it when not present."""

    id: str
    title: str
    required: bool
    status: Status
    evidence: str
    line: int | None = None
    fix: str | None = None
    waiver: str | None = None


class RiskResult(_Model):
    """One risk of sharing the model: whether it is raised, at what level, and why."""

    id: str
    title: str
    level: Level
    raised: bool
    evidence: list[str]
    fix: str
    waiver: str | None = None


class Problem(_Model):
    """A problem with the card's Hub metadata or with the release's waivers."""

    source: Literal["metadata", "waive"]
    key: str
    value: str
    message: str
    severity: Severity
    line: int | None = None
    column: int | None = None


class People(_Model):
    """Whether the model involves people, and the words or feature names that say so."""

    involves_people: bool
    evidence: list[str]


class Summary(_Model):
    """Counts behind the one-line summary."""

    required_met: int
    required_total: int
    recommended_met: int
    recommended_total: int
    partial: int
    risks_raised: int
    risks_blocking: int
    problem_errors: int
    problem_warnings: int


class CheckReport(_Model, ReportModel):
    """Everything ``modelshare check`` found about one release folder or card file."""

    schema_version: str = REPORT_SCHEMA_VERSION
    path: str
    kind: Literal["release", "card"]
    strict: bool
    items: list[ItemResult]
    risks: list[RiskResult]
    problems: list[Problem]
    people: People

    @computed_field  # type: ignore[prop-decorator]
    @property
    def summary(self) -> Summary:
        """Items met (anything but missing), partial items, risks raised, problems."""
        required = [item for item in self.items if item.required]
        recommended = [item for item in self.items if not item.required]
        raised = [risk for risk in self.risks if risk.raised]
        return Summary(
            required_met=sum(item.status in MET for item in required),
            required_total=len(required),
            recommended_met=sum(item.status in MET for item in recommended),
            recommended_total=len(recommended),
            partial=sum(item.status == "partial" for item in self.items),
            risks_raised=len(raised),
            risks_blocking=sum(risk.level == "block" for risk in raised),
            problem_errors=sum(p.severity == "error" for p in self.problems),
            problem_warnings=sum(p.severity == "warning" for p in self.problems),
        )

    @computed_field  # type: ignore[prop-decorator]
    @property
    def blocking(self) -> list[str]:
        """Why the check fails: missing items, blocking risks, problems at error severity."""
        items = [
            item.id
            for item in self.items
            if item.status == "missing" and (item.required or self.strict)
        ]
        risks = [risk.id for risk in self.risks if risk.raised and risk.level == "block"]
        problems = [f"{p.source}:{p.key}" for p in self.problems if p.severity == "error"]
        return items + risks + problems

    @computed_field  # type: ignore[prop-decorator]
    @property
    def passed(self) -> bool:
        """True when nothing blocks."""
        return not self.blocking

    @computed_field  # type: ignore[prop-decorator]
    @property
    def exit_code(self) -> int:
        """0 when the check passes, 1 otherwise (2, unusable input, is raised before)."""
        return 0 if self.passed else 1

    def _repr_html_(self) -> str:
        """A notebook's view: the verdict and summary line, then what needs attention (items
        missing or partial, risks raised, problems), in a few KB.

        Example:
            >>> from modelshare.audit.check import check_path
            >>> "passed" in check_path(Path("releases/penguin-species"))._repr_html_()
            True
        """
        from modelshare.card.html import summary_html

        items = [
            [item.id, "required" if item.required else "recommended", item.status, item.fix or ""]
            for item in self.items
            if item.status in ("missing", "partial")
        ]
        risks = [[r.id, f"risk ({r.level})", "raised", r.fix] for r in self.risks if r.raised]
        problems = [
            [f"{p.source}: {p.key}", "problem", p.severity, p.message] for p in self.problems
        ]
        return summary_html(
            f"modelshare check: {'passed' if self.passed else 'failed'}",
            [("Checked", self.path), ("Summary", summary_line(self))],
            ["Needs attention", "Kind", "Status", "What to do"],
            items + risks + problems,
        )


def summary_line(report: CheckReport) -> str:
    """One line: required and recommended items met, risks raised, problems.

    Example:
        >>> from modelshare.audit.check import check_path
        >>> summary_line(check_path(Path("README.md")))
        'required 18/18 met, recommended 8/8 met, risks raised: 0 (0 blocking)'
    """
    counts = report.summary
    required_partial = sum(i.status == "partial" for i in report.items if i.required)
    recommended_partial = counts.partial - required_partial
    parts = [
        f"required {counts.required_met}/{counts.required_total} met"
        + (f" ({required_partial} partial)" if required_partial else ""),
        f"recommended {counts.recommended_met}/{counts.recommended_total} met"
        + (f" ({recommended_partial} partial)" if recommended_partial else ""),
        f"risks raised: {counts.risks_raised} ({counts.risks_blocking} blocking)",
    ]
    if report.problems:
        parts.append(f"problems: {len(report.problems)} ({counts.problem_errors} blocking)")
    return ", ".join(parts)


def render_report(report: CheckReport, console: Console) -> None:
    """Print the checklist table, the risks raised, the problems and the one-line summary.

    Example:
        >>> import io
        >>> from rich.console import Console
        >>> from modelshare.audit.check import check_path
        >>> console = Console(file=io.StringIO(), width=100)
        >>> render_report(check_path(Path("README.md")), console)
        >>> console.file.getvalue().splitlines()[-1]
        'passed: required 18/18 met, recommended 8/8 met, risks raised: 0 (0 blocking)'
    """
    from rich.text import Text

    if console.width < WIDE_LAYOUT or not console.is_terminal:
        _print_blocks(report, console)
    else:
        console.print(_items_table(report))
        if any(risk.raised for risk in report.risks):
            console.print(_risks_table(report))
        if report.problems:
            console.print(_problems_table(report))
    verdict, style = ("passed: ", "green") if report.passed else ("failed: ", "bold red")
    console.print(Text(verdict, style=style) + Text(summary_line(report)))


WIDE_LAYOUT = 120
"""Below this many columns, or when the output is no terminal (a CI log, a pipe), the report
prints one block per finding instead of tables whose text columns would wrap to a few
characters."""


def _print_blocks(report: CheckReport, console: Console) -> None:
    """The report as blocks: a heading line per item, risk and problem, its evidence and fix
    indented beneath (whole: a console that wraps wraps them, a log keeps them on one line)."""
    from rich.text import Text

    def block(heading: Text, *lines: str) -> None:
        console.print(heading)
        for line in lines:
            if line:
                console.print(Text(f"    {line}"))

    console.print(Text(f"modelshare check {report.path}", style="bold"))
    for item in report.items:
        need = "required" if item.required else "recommended"
        heading = Text(f"{item.status:<14}", style=STATUS_STYLES[item.status])
        block(
            heading + Text(f" {item.id} ({need})"),
            item.evidence,
            f"fix: {item.fix}" if item.fix else "",
            f"waived: {item.waiver}" if item.waiver else "",
        )
    raised = [risk for risk in report.risks if risk.raised]
    if raised:
        console.print(Text("Risks raised", style="bold"))
    for risk in raised:
        style = "bold red" if risk.level == "block" else "yellow"
        block(
            Text(f"{risk.level:<14}", style=style) + Text(f" {risk.id}"),
            *risk.evidence,
            f"fix: {risk.fix}",
        )
    if report.problems:
        console.print(Text("Problems", style="bold"))
    for problem in report.problems:
        where = f" (line {problem.line})" if problem.line else ""
        style = "red" if problem.severity == "error" else "yellow"
        block(
            Text(f"{problem.severity:<14}", style=style)
            + Text(f" {problem.source}: {problem.key}{where}"),
            problem.message,
        )


def _table(title: str, columns: tuple[tuple[str, int | None], ...]) -> Table:
    """An empty table: columns without a ratio keep their natural width and never wrap;
    the others share the remaining width by ratio and fold long text."""
    from rich.table import Table

    table = Table(title=title, expand=True)
    for name, ratio in columns:
        if ratio is None:
            table.add_column(name, no_wrap=True)
        else:
            table.add_column(name, ratio=ratio, overflow="fold")
    return table


def _items_table(report: CheckReport) -> Table:
    from rich.text import Text

    columns = (("Item", None), ("Need", None), ("Status", None), ("Evidence", 1), ("Fix", 1))
    table = _table(f"modelshare check {report.path}", columns)
    for item in report.items:
        table.add_row(
            Text(item.id),
            Text("req." if item.required else "rec.", style="dim"),
            Text(item.status, style=STATUS_STYLES[item.status]),
            Text(item.evidence),
            Text(item.fix or (f"waived: {item.waiver}" if item.waiver else "")),
        )
    return table


def _risks_table(report: CheckReport) -> Table:
    from rich.text import Text

    table = _table("Risks raised", (("Risk", None), ("Level", None), ("Evidence", 1), ("Fix", 1)))
    for risk in report.risks:
        if risk.raised:
            style = "bold red" if risk.level == "block" else "yellow"
            table.add_row(
                Text(risk.id),
                Text(risk.level, style=style),
                Text("\n".join(risk.evidence)),
                Text(risk.fix),
            )
    return table


def _problems_table(report: CheckReport) -> Table:
    from rich.text import Text

    table = _table("Problems", (("Line", None), ("Key", None), ("Severity", None), ("Problem", 1)))
    for problem in report.problems:
        table.add_row(
            Text(str(problem.line or "")),
            Text(f"{problem.source}: {problem.key}"),
            Text(problem.severity, style="red" if problem.severity == "error" else "yellow"),
            Text(problem.message),
        )
    return table
