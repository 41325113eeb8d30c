"""The map core: what a map of X shows, as plain data, for every surface.

``build_map(resources, catalog, map_id, args)`` returns a :class:`mapcore.spec.MapSpec`:
the units with their values, classes and colours, the legend, the overlays (from the
registered layers, by their ``map_role``) with their symbol families, labels and
citations. No Flask, no request: the interactive Folium page (``web/maps.py``), the
static export (``web/export.py`` through :mod:`mapcore.drawing`) and the report pages
render the same description, so they show the same map.
"""

from mapcore.errors import InvalidChoice, MapError, UnknownMap
from mapcore.resources import MapResources
from mapcore.spec import MapSpec, build_map, map_ids

__all__ = ["InvalidChoice", "MapError", "MapResources", "MapSpec", "UnknownMap",
           "build_map", "map_ids"]
