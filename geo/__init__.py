"""Pure geospatial functions for innomap: datum conversion, boundaries, geocoding.

Nothing in this package imports Flask.
"""
