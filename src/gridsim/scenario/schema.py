"""The scenario: every section in one validated model, and how data becomes one.

:class:`Scenario` gathers the sections of :mod:`gridsim.scenario.setting` and
:mod:`gridsim.scenario.handling`, checks the levers that depend on each other,
and remembers which file set each key. :func:`validate` turns merged data into a
scenario, or into a :class:`ScenarioError` of one line per problem; files are
read by :mod:`gridsim.scenario.loader`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from html import escape
from pathlib import Path
from typing import Any

from pydantic import PrivateAttr, ValidationError, model_validator

from gridsim.scenario.communities import read_communities_csv, read_csv_bytes
from gridsim.scenario.errors import ScenarioError, problems
from gridsim.scenario.files import FILE_KEYS, file_digest, inside, scenario_roots
from gridsim.scenario.handling import Assign, Collect, Costs, Deadlines, Evaluate, Handle, Reply
from gridsim.scenario.parameters import parameters, parameters_html
from gridsim.scenario.params import P
from gridsim.scenario.setting import (
    Cadres,
    District,
    Grids,
    Households,
    Issues,
    Simulation,
    Staff,
    Visits,
)
from gridsim.scenario.tables import flatten, merge_tables, set_path
from gridsim.scenario.values import Section

__all__ = ["Scenario", "validate"]


class Scenario(Section):
    """A complete, validated district design. Build one with :func:`load_scenario`.

    Besides its values, a scenario remembers which file set each key
    (:meth:`set_by`), so a report can say where a value came from. That record
    is provenance, not content: two scenarios with the same values are equal
    and hash the same wherever their values came from.
    """

    _origin: dict[str, str] = PrivateAttr(default_factory=dict)

    name: str = P(
        "scenario",
        "Short name shown in tables and reports.",
        "-",
        "-",
        zh="表格和报告中显示的简称。",
    )
    description: str = P("", "What the scenario represents.", "-", "-", zh="情景所代表的内容。")
    simulation: Simulation = Simulation()
    district: District = District()
    grids: Grids = Grids()
    staff: Staff = Staff()
    visits: Visits = Visits()
    cadres: Cadres = Cadres()
    households: Households = Households()
    issues: Issues = Issues()
    collect: Collect = Collect()
    assign: Assign = Assign()
    handle: Handle = Handle()
    deadlines: Deadlines = Deadlines()
    reply: Reply = Reply()
    evaluate: Evaluate = Evaluate()
    costs: Costs = Costs()

    @model_validator(mode="after")
    def _dependent_levers(self) -> Scenario:
        if self.deadlines.escalation and not self.deadlines.enabled:
            raise ValueError(
                "deadlines.escalation: escalation needs time limits "
                "(set deadlines.enabled = true or deadlines.escalation = false)"
            )
        d = self.district
        if d.map is not None and d.communities_csv is not None:
            raise ValueError(
                "district: give either map or communities_csv, not both (the map has the "
                "communities)"
            )
        if self.grids.drawn is not None and d.map is None:
            raise ValueError(
                "grids.drawn: drawn grids need the map they were drawn on (set district.map)"
            )
        if d.communities_csv is None and d.map is None:
            if d.communities is None or d.households is None:
                raise ValueError(
                    "district: give a map, a communities_csv, or both communities and households"
                )
            if d.households < d.communities:
                raise ValueError(
                    f"district.households: must be >= district.communities ({d.communities}), "
                    f"got {d.households}"
                )
        return self

    def _repr_html_(self) -> str:
        d = self.district
        if d.map is not None:
            where = f"communities and blocks from {escape(d.map)}"
        elif d.communities_csv is not None:
            where = f"communities from {escape(d.communities_csv)}"
        else:
            where = f"{d.communities:,} communities, {d.households:,} households"
        return (
            f"<div><b>{escape(self.name)}</b> — {escape(d.name)}: {where}, "
            f"{self.grids.households_per_grid:g} households per grid, "
            f"{self.simulation.days} days, seed {self.simulation.seed}"
            f"<br><i>{escape(self.description)}</i>" + parameters_html(parameters(self)) + "</div>"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Scenario):
            return NotImplemented
        return self.__dict__ == other.__dict__  # values only: where they came from is not content

    __hash__ = None  # type: ignore[assignment]  # mutable, like every pydantic model

    def set_by(self, key: str) -> str | None:
        """Where a parameter's value was set.

        Args:
            key: Dotted key, e.g. ``district.communities``.

        Returns:
            The file that set the key (as shown in messages), ``"<changes>"`` (or
            the origin given to :meth:`with_changes`) when a change set it, or
            ``None`` when nothing did: the value is the documented default.
        """
        return self._origin.get(key)

    def to_dict(self) -> dict[str, Any]:
        """The resolved scenario as plain JSON-compatible data."""
        return self.model_dump(mode="json")

    def content_hash(self) -> str:
        """Stable hash of the resolved content (and of every file it names, by content)."""
        data = self.to_dict()
        data.pop("name")  # labels are not content: the same design hashes the same
        data.pop("description")
        files: list[tuple[str, str]] = []
        for section, key, _ in FILE_KEYS:
            if data[section][key] is not None:
                files.append((key, data[section][key]))
                data[section][key] = None  # the content counts, not where it lies
        payload = json.dumps(data, sort_keys=True, separators=(",", ":"))
        h = hashlib.sha256(payload.encode())
        for key, path in files:
            content = read_csv_bytes(Path(path)) if key == "communities_csv" else file_digest(path)
            h.update(b"\0" + key.encode() + b"\0" + content)
        if self.district.map is not None:  # the drawn grids depend on the partition's libraries
            h.update(b"\0map libraries\0" + json.dumps(_map_library_versions()).encode())
        return h.hexdigest()[:16]

    def with_changes(
        self,
        changes: Mapping[str, Any],
        *,
        origin: str = "<changes>",
        base_dir: str | Path | None = None,
        roots: Iterable[str | Path] | None = None,
    ) -> Scenario:
        """A copy with dotted-path changes merged in (:func:`merge_tables`) and validated.

        A change whose value is a table merges into the table it names, key by
        key, as a file's table does: ``{"handle.capacity": {"grid": 3}}`` keeps
        the other tiers.

        Args:
            changes: e.g. ``{"grids.households_per_grid": 500}``.
            origin: Where the changes come from, for messages and :meth:`set_by`
                (an experiment passes its file and variant).
            base_dir: Folder a changed ``district.communities_csv`` is relative
                to. When given (or ``roots`` is), the CSV must lie inside
                ``roots`` (default: ``base_dir``'s scenario tree); otherwise a
                relative path is taken from the working folder, as Python code
                names files.
            roots: Folders a changed ``district.communities_csv`` may lie in.

        Returns:
            A new validated scenario.

        Raises:
            ScenarioError: If a path is unknown or a value invalid.
        """
        top: dict[str, Any] = {}
        for path, value in changes.items():
            set_path(top, path, value, origin, Scenario)
        for section, key, what in FILE_KEYS:
            name = top.get(section, {}).get(key)
            if not isinstance(name, str):
                continue
            if base_dir is None and roots is None:
                resolved = Path(name).expanduser().resolve()
            else:
                folder = Path(base_dir if base_dir is not None else Path.cwd()).resolve()
                allowed = (
                    scenario_roots(folder / "changes.toml")
                    if roots is None
                    else [Path(r).resolve() for r in roots]
                )
                resolved = inside(folder, name, allowed, f"{origin}: {section}.{key}", what)
            top[section][key] = str(resolved)
        scenario = validate(merge_tables(self.to_dict(), top), {}, origin)
        scenario._origin = {**self._origin, **dict.fromkeys(flatten(top), origin)}
        return scenario


MAP_LIBRARIES = ("geopandas", "pyogrio", "shapely", "pymetis", "gerrychain", "networkx")
"""Libraries whose versions a scenario drawn on a map hashes (they draw its grids)."""


def _map_library_versions() -> dict[str, str | None]:
    from importlib.metadata import PackageNotFoundError, version

    out: dict[str, str | None] = {}
    for name in MAP_LIBRARIES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out


def validate(data: dict[str, Any], origin: dict[str, str], display: str) -> Scenario:
    """Validate merged data as a scenario, and the communities CSV it names.

    Args:
        data: Every table, merged onto the defaults (:func:`merge_tables`).
        origin: Dotted key -> the file that set it (kept for :meth:`Scenario.set_by`).
        display: The file named for a problem with a key no file set.

    Returns:
        The validated scenario.

    Raises:
        ScenarioError: One line per problem, each naming the file and the key.
    """
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(problems(exc, Scenario, origin, display)) from None
    if scenario.district.communities_csv is not None:
        read_communities_csv(scenario.district.communities_csv)  # raises ScenarioError
    scenario._origin = dict(origin)
    return scenario
