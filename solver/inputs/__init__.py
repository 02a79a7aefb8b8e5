"""What the user gives, read and validated (scenario, tables, catalogue, grades); imports models and base modules."""
