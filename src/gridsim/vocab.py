"""The model's vocabulary: tiers, issue categories, staff roles, community kinds.

Each tuple is defined here once, in the order every per-tier, per-category,
per-role and per-kind array of the model uses; the scenario schema, the model,
the mechanisms, the analysis and the reports all import them from here. Plain
tuples of strings: this module imports nothing.
"""

from __future__ import annotations

__all__ = ["CATEGORIES", "KINDS", "ROLES", "TIERS"]

CATEGORIES: tuple[str, ...] = (
    "environment",
    "infrastructure",
    "disputes",
    "livelihood",
    "safety",
    "policy",
)
"""Issue categories, in the order used by every per-category array."""

TIERS: tuple[str, ...] = ("grid", "community", "street", "district")
"""Handling tiers, lowest first; escalation moves a case one tier up."""

ROLES: tuple[str, ...] = (
    "cadre",
    "information_officer",
    "security_officer",
    "volunteer",
    "administrator",
    "supervisor",
)
"""Staff roles whose hours and costs a scenario sets."""

KINDS: tuple[str, ...] = ("urban", "new_build", "village")
"""Community kinds a district CSV may name."""
