"""Exit codes of the `siting` command, in one place (the app and every command import them).

0 solved (optimal, or feasible at a limit); 1 bad input (every problem listed); 2 usage
error (typer's own, and typer.BadParameter); 3 no solution (infeasible, or no plan within
the limits); 4 a defect of ours (the independent check disagreed, the solver returned an
infeasible plan, or any other error that is not the user's input); 130 interrupted (Ctrl-C:
nothing written as a result; 128 + SIGINT, as shells report it).
"""

EXIT_INPUT = 1
EXIT_USAGE = 2  # raised by typer itself (click's UsageError), never by our code
EXIT_NO_SOLUTION = 3
EXIT_DEFECT = 4
EXIT_INTERRUPTED = 130
