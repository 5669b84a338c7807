"""Planning: propose the cheapest design that meets a district's targets, and say how sure.

Modules, lowest first:

* :mod:`~gridsim.planning.targets` — a district's published figures as
  calibration targets (``scenarios/targets/*.toml``) and the fit to them;
* :mod:`~gridsim.planning.levers` — what a planner holds: scenario keys with
  ranges or choices, and the derived levers (a fixed headcount per role, a
  fixed budget);
* :mod:`~gridsim.planning.selection` — selection with a guarantee (KN with a
  feasibility phase);
* :mod:`~gridsim.planning.discovery` — where a design fails (PRIM, CART);
* :mod:`~gridsim.planning.plan` — the plan file and the search (optuna,
  asked and told, through gridsim's executors and store);
* :mod:`~gridsim.planning.report` — the plan report (HTML, en and zh).
"""
