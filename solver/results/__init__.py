"""A solved plan made a run: independent check, ranking, coverage tables, diagnosis, output files; imports engine and below."""
