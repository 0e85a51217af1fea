"""The simulated kernel: deterministic; no I/O, argv or real namespaces."""
