"""The KPIs of a run: one record each, read by every table, report, explorer and label.

Also the layout of a stored run: the per-grid columns and daily series kept
with every run (:data:`GRID_COLUMNS`, :data:`DAILY_COLUMNS`).
"""

from __future__ import annotations

GRID_COLUMNS: tuple[str, ...] = (
    "households",
    "visits_per_household",
    "issues_collected",
    "issues_resolved",
    "backlog_end",
    "median_days_to_close",
    "on_time_rate",
)
"""Per-grid columns kept with every stored run (for maps and equity figures)."""

DAILY_COLUMNS: tuple[str, ...] = ("new", "closed", "open", "closed_after")
"""Daily series kept with every stored run (after a ``day`` column)."""
