"""Street-office deliverables made from a run folder: evaluation, HTML report, PNG maps, workbook.

Modules: ``grades`` (grade rules; light, imported by the scenario loader),
``rundata`` (reading a run folder), ``evaluation`` (per street / community
coverage, checklist, grades, ranking), ``labels`` (every text from the
catalogue), ``geometry`` (local map frame, street areas), ``html`` (the
self-contained report.html), ``maps`` (PNG maps), ``excel`` (the workbook),
``build`` (writes them all, atomically).

Nothing is imported here, so that ``solver.report.grades`` stays cheap.
"""
