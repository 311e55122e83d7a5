"""Distribution shift on the receiving side: dataset drift tests and single-input OOD scores.

Example:
    >>> from modelshare.shift import drift
    >>> report = drift(Path("releases/penguin-species"), Path("new.csv"))
    >>> report.drifted, report.verdict
    (False, 'no drift in 6 columns; label shift: none')
"""

from __future__ import annotations

from modelshare.shift.drift import drift, load_reference
from modelshare.shift.report import ColumnDrift, ColumnTest, DriftReport, DriftSettings

__all__ = ["ColumnDrift", "ColumnTest", "DriftReport", "DriftSettings", "drift", "load_reference"]
