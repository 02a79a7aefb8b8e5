"""Many plans of one district: budget sweeps and comparisons of finished runs; imports solver.pipeline and below."""
