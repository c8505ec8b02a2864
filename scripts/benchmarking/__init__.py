"""The deadline-sweep benchmark that scripts/benchmark.py runs: seeding, measures, report."""
