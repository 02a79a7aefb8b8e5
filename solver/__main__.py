"""``python -m solver``: the ``siting`` command, for environments whose scripts folder is not on PATH."""

from solver.cli.app import main

if __name__ == "__main__":
    main()
