"""What a map changes in a grid's work: walking time per visit, and patrol coverage by area.

Synthesised grids have no geometry: their visits take a flat multiplier per
kind of community and their patrols find public issues at one rate per patrol
hour. Grids drawn on a map (:attr:`gridsim.model.district.District.drawn`)
have an area and a distance from their station to their households, and the
two functions here turn those into hours and hazards.
"""

from __future__ import annotations

import numpy as np

from gridsim.model.district import District
from gridsim.scenario import Scenario


def walking_hours_per_visit(scenario: Scenario, district: District) -> np.ndarray:
    """Per grid drawn on a map, the hours of walking each household visit carries.

    An officer walks from the grid's station to the households and back
    (``2 ×`` the grid's mean station distance × ``visits.route_factor``), at
    ``visits.walking_speed_km_per_h``, and shares the round trip among
    ``visits.households_per_trip`` visits.

    Raises:
        ValueError: If the district's grids are not drawn on a map.
    """
    if district.grid_station_km is None:
        raise ValueError("walking distances are known only for grids drawn on a map")
    v = scenario.visits
    trip_km = 2.0 * v.route_factor * district.grid_station_km
    return trip_km / v.walking_speed_km_per_h / v.households_per_trip


def patrol_coverage(scenario: Scenario, district: District) -> np.ndarray:
    """Per grid, the factor on the patrol find rate: 1, or reference area / area on a map.

    Random search (Koopman 1946): patrolling a region of area ``A`` for ``t``
    hours with sweep width ``W`` at speed ``v`` finds a given pending issue at
    rate ``W v t / A``. ``issues.public_find_rate_per_patrol_hour`` is that rate
    for a grid of ``issues.patrol_reference_area_km2``; a grid drawn on a map
    finds at it times ``patrol_reference_area_km2 / area``. Synthesised grids
    (no area) keep the rate as it is.
    """
    if district.grid_area_km2 is None:
        return np.ones(district.n_grids)
    area = np.maximum(district.grid_area_km2, 1e-6)
    return scenario.issues.patrol_reference_area_km2 / area


__all__ = ["patrol_coverage", "walking_hours_per_visit"]
