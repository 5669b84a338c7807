"""Grids from the district's own map: read blocks or communities, cut each community into grids.

Modules, lowest first:

* :mod:`~gridsim.geo.blockmap` — :class:`BlockMap`, the residential blocks of a
  district in a metric CRS with their rook adjacency, and :class:`MapError`;
* :mod:`~gridsim.geo.mapinput` — reading GeoJSON / GeoPackage / Shapefile
  maps of blocks (or of community polygons, inside which blocks are
  synthesised) into a :class:`BlockMap`, with every problem named;
* :mod:`~gridsim.geo.partition` — each community cut into contiguous grids of
  balanced households (pymetis seed, GerryChain for contiguity and bounds);
* :mod:`~gridsim.geo.codes` — grid codes after CJ/T 349-2010;
* :mod:`~gridsim.geo.output` — ``grids.geojson``, ``blocks.csv``, the summary
  and the map figure.
"""
