"""Solver-core benchmark suite (not part of the installed package, not collected by pytest).

Run it with ``python -m benchmarks run --profile fast`` from the repository root;
see ``benchmarks/README.md``.
"""
