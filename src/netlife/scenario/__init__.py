"""Scenarios: root-shell scripts parsed into steps and run on a simulated host's clock."""
