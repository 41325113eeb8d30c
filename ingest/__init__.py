"""Reading and validating uploads: spreadsheets and CSV read within limits, county metrics
and carrier lists checked row by row before anything reaches the store, batch geocoding
of a spreadsheet column.

May import ``geo`` and ``store``; never Flask or ``web``.
"""
