"""The map core: what a map of X shows, as plain data, for every surface.

``mapcore.spec.build_map(resources, map_id, args)`` returns a :class:`mapcore.spec.MapSpec`:
the units with their values, classes and colours, the legend, the overlays (from the
registered layers, by their ``map_role``) with their symbol families, labels and
citations. No Flask, no request: the interactive Folium page (``web/maps.py``), the
static export (``web/export.py`` through :mod:`mapcore.drawing`) and the report pages
render the same description, so they show the same map.

The package imports nothing on its own (``mapcore.errors`` stays light for the error
handlers and command-line tools); import the modules: ``mapcore.spec``,
``mapcore.resources``, ``mapcore.export``, ``mapcore.drawing``.
"""
