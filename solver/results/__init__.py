"""A solved plan made a run: check, ranking, coverage tables, diagnosis, output files; imports engine and below."""
