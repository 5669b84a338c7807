"""``python -m gridsim.model``: compile the kernel now and cache it (``make warm``).

Numba compiles the kernel on its first use in a fresh install — about half a
minute here — and caches the machine code in a folder named by the kernel's
sources (:func:`gridsim.kernel.jit.kernel_cache_dir`); later processes load
it in well under a second. ``make warm`` runs this so that tests, notebooks
and sweeps start warm.

It lives in the model layer, not the kernel's, because it runs a tiny model:
every compiled function is compiled for exactly the types a run passes it.
"""

from __future__ import annotations

import time


def warm_up() -> float:
    """Compile the kernel now (and cache it), by running a tiny district for a week.

    Returns:
        Seconds it took.
    """
    from gridsim.model.gridmodel import GridModel
    from gridsim.scenario import default_scenario

    t0 = time.perf_counter()
    tiny = default_scenario().with_changes(
        {"district.communities": 2, "district.households": 600, "simulation.days": 7}
    )
    GridModel(tiny).run()
    return time.perf_counter() - t0


if __name__ == "__main__":
    print(f"gridsim: case pipeline compiled and cached in {warm_up():.1f} s")
