"""The `siting` command line, one thin module per command; may import every package of solver/ but the facade."""
