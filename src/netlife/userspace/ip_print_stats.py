"""`ip -s link`: the statistics block (iproute2 6.1 ip/ipaddress.c __print_link_stats).

The model moves no packets, so every counter the kernel sends (IFLA_STATS64) is 0; the layout
is iproute2's, text and JSON, for -s and -s -s.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from netlife.userspace.ip_print_json import PRINT_JSON, Printer


def print_link_stats(p: Printer, a: dict, level: int) -> None:
    """__print_link_stats: IFLA_STATS64 ("stats64") or else IFLA_STATS ("stats")."""
    if "IFLA_STATS64" in a:
        print_stats64(p, a["IFLA_STATS64"], a.get("IFLA_CARRIER_CHANGES"), "stats64", level)
    elif "IFLA_STATS" in a:
        print_stats64(p, a["IFLA_STATS"], a.get("IFLA_CARRIER_CHANGES"), "stats", level)


_RX_JSON = (
    ("bytes", "rx_bytes"),
    ("packets", "rx_packets"),
    ("errors", "rx_errors"),
    ("dropped", "rx_dropped"),
    ("over_errors", "rx_over_errors"),
    ("multicast", "multicast"),
)
_RX_ERR_JSON = (
    ("length_errors", "rx_length_errors"),
    ("crc_errors", "rx_crc_errors"),
    ("frame_errors", "rx_frame_errors"),
    ("fifo_errors", "rx_fifo_errors"),
    ("missed_errors", "rx_missed_errors"),
)
_TX_JSON = (
    ("bytes", "tx_bytes"),
    ("packets", "tx_packets"),
    ("errors", "tx_errors"),
    ("dropped", "tx_dropped"),
    ("carrier_errors", "tx_carrier_errors"),
    ("collisions", "collisions"),
)
_TX_ERR_JSON = (
    ("aborted_errors", "tx_aborted_errors"),
    ("fifo_errors", "tx_fifo_errors"),
    ("window_errors", "tx_window_errors"),
    ("heartbeat_errors", "tx_heartbeat_errors"),
)


def print_stats64(p: Printer, s: dict, carrier_changes: int | None, what: str, level: int):
    """ip/ipaddress.c:print_stats64 (`-s`, `-s -s` for level 2); counters absent count as 0."""

    def g(name: str) -> int:
        return s.get(name, 0) or 0

    if p.json:
        p.open_object(what)
        p.open_object("rx")
        for key, name in _RX_JSON:
            p.number(PRINT_JSON, key, None, g(name))
        if g("rx_compressed"):
            p.number(PRINT_JSON, "compressed", None, g("rx_compressed"))
        if level > 1:
            for key, name in _RX_ERR_JSON:
                p.number(PRINT_JSON, key, None, g(name))
            if g("rx_nohandler"):
                p.number(PRINT_JSON, "nohandler", None, g("rx_nohandler"))
            if g("rx_otherhost_dropped"):
                p.number(PRINT_JSON, "otherhost", None, g("rx_otherhost_dropped"))
        p.close_object()
        p.open_object("tx")
        for key, name in _TX_JSON:
            p.number(PRINT_JSON, key, None, g(name))
        if g("tx_compressed"):
            p.number(PRINT_JSON, "compressed", None, g("tx_compressed"))
        if level > 1:
            for key, name in _TX_ERR_JSON:
                p.number(PRINT_JSON, key, None, g(name))
            if carrier_changes is not None:
                p.number(PRINT_JSON, "carrier_changes", None, carrier_changes)
        p.close_object()
        p.close_object()
        return

    p.text(_stats_text(g, carrier_changes, level, p.sl))


def _stats_text(g: Callable[[str], int], carrier_changes: int | None, level: int, sl: str) -> str:
    """The text half of print_stats64: right-aligned columns sized by size_columns()."""
    cc = carrier_changes
    rx = [g(n) for n in ("rx_bytes", "rx_packets", "rx_errors", "rx_dropped")]
    rx += [g("rx_missed_errors"), g("multicast"), g("rx_compressed"), 0]
    tx = [g(n) for n in ("tx_bytes", "tx_packets", "tx_errors", "tx_dropped")]
    tx += [g("tx_carrier_errors"), g("collisions"), g("tx_compressed"), 0]
    rx_err = [0] + [g("rx_" + n) for n in ("length_errors", "crc_errors", "frame_errors")]
    rx_err += [g("rx_fifo_errors"), g("rx_over_errors"), g("rx_nohandler")]
    rx_err += [g("rx_otherhost_dropped")]
    # size_columns() is called with the TX error counters one column to the right of where
    # they are printed; iproute2's widths follow that, so these do too.
    tx_err = [0, 0] + [g("tx_" + n) for n in ("aborted_errors", "fifo_errors", "window_errors")]
    tx_err += [g("tx_heartbeat_errors"), cc or 0, 0]
    cols = [10, 7, 6, 7, 7, 7, 10, 9]  # strlen of "*X errors:", "packets", ... "otherhost"
    for row in [rx, tx] + ([rx_err, tx_err] if level > 1 else []):
        for i, v in enumerate(row):
            cols[i] = max(cols[i], len(str(v)))

    def cells(pairs: Any) -> str:
        return "".join(f"{v:>{cols[i]}} " for i, v in pairs)

    def names(words: tuple[str, ...]) -> str:
        return " ".join(f"{w:>{cols[i + 1]}}" for i, w in enumerate(words))

    def head(label: str, words: tuple[str, ...], compressed: int) -> str:
        last = "compressed" if compressed else ""
        return f"    {label}: {'bytes':>{cols[0] - 4}} {names(words)} {last:>{cols[6]}}{sl}"

    def counters(row: list[int]) -> str:
        return "    " + cells(enumerate(row[:6])) + (cells([(6, row[6])]) if row[6] else "")

    out = head("RX", ("packets", "errors", "dropped", "missed", "mcast"), rx[6]) + counters(rx)
    if level > 1:
        nh, oh = rx_err[6], rx_err[7]
        out += f"{sl}    RX errors:{'':>{cols[0] - 10}} "
        out += names(("length", "crc", "frame", "fifo", "overrun"))
        out += (f"{' nohandler':>{cols[6] + 1}}" if nh else "") + (
            f"{' otherhost':>{cols[7] + 1}}" if oh else ""
        )
        out += sl + " " * (cols[0] + 5) + cells((i, rx_err[i]) for i in range(1, 6))
        out += (cells([(6, nh)]) if nh else "") + (cells([(7, oh)]) if oh else "")
    out += sl + head("TX", ("packets", "errors", "dropped", "carrier", "collsns"), tx[6])
    out += counters(tx)
    if level > 1:
        out += f"{sl}    TX errors:{'':>{cols[0] - 10}} "
        out += names(("aborted", "fifo", "window", "heartbt", "transns" if cc is not None else ""))
        out += sl + " " * (cols[0] + 5) + cells(zip(range(1, 5), tx_err[2:6], strict=True))
        out += cells([(5, cc)]) if cc is not None else ""
    return out
