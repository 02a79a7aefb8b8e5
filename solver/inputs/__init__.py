"""What the user gives, read and validated (scenario files, tables, catalogue, grades); imports only solver.errors, solver.plain and models."""
