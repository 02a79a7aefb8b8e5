"""The `siting` command line: one module per command, thin wrappers over the pipeline."""
