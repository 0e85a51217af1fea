"""`netlife conform`: the same case run on the real kernel and on the model, then compared.

The only package that touches the real kernel (subprocesses, real namespaces, netlink sockets).

    case.py           case files: a root-shell scenario with `# case:`, `# netns:` and
                      `# model-only:` headers (the format is documented there)
    target.py         the Target protocol and the Observation a target returns for a case
    kernel_target.py  the real kernel: each case in throwaway namespaces named `nlc-<pid>-<n>-…`,
                      commands mapped onto them and refused when they would reach outside,
                      link events from a pyroute2 monitor per namespace, sure cleanup
    sandbox.py        translation of case lines onto the throwaway namespaces, and refusals
    model_target.py   the model: a fresh host (only `lo`, down) running the case in its shell
    compare.py        canonical observations (ifindexes and random MACs renumbered in order of
                      appearance, unmodelled fields projected away), step diff, summary table
    cli.py            `netlife conform CASE…`: both targets, the table, exit 1 on a difference

Cases live in tests/conformance/*.case.
"""
