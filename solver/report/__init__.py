"""Street-office deliverables made from a run folder; imports solver.inputs (catalogue, labels, grades) and below.

Modules: ``rundata`` (reading a run folder), ``evaluation`` (per street / community
coverage, checklist, grades, ranking), ``labels`` (every text, from
solver.inputs.labels), ``geometry`` (local map frame, street areas), ``html`` (the
self-contained report.html), ``maps`` (PNG maps), ``excel`` (the workbook),
``build`` (writes them all, atomically).

The grade rules themselves are input (``solver.inputs.grades``). Nothing is imported here.
"""
