"""`netlife explore`: search the space of host operations for lifetime bugs.

Model-only. grammar.py draws command lines over live objects; episode.py runs them on a
freshly booted host with the oracles of oracles.py after each; search.py chooses what to run
(random, bfs, coverage); shrink.py cuts a finding down to a minimal script; report.py turns
findings into scripts, JSON, replay tokens and conform cases; parallel.py shards a search over
local processes or Ray; cli.py is the command.
"""
