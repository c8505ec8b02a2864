"""The `resolve` command line: one module per command group."""
