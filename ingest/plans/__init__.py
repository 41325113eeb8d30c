"""Reading a plan document and extracting candidates from it.

``reading.read_document`` turns DOCX, PDF (with a text layer), a saved web page
or TXT into one reading text with its blocks; ``extract.extract`` proposes the
plan, its targets, places, tasks and partnerships, each with the exact quote,
section path and offsets it came from. Nothing here stores anything: a reviewer
accepts candidates later. ``errors.PlanReadingError`` says why a file is refused.
"""
