"""Daily activity as CSV: the one format of ``msgstore analytics --format csv`` and the console's download."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from projections.analytics.view import DAILY_FIELDS

CSV_FIELDS = ("tenant", *DAILY_FIELDS)


def daily_csv(rows: Sequence[dict[str, Any]]) -> str:
    """A header line, then one line per (tenant, day) row of ``daily_for_all``, ``\\n``-terminated."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
