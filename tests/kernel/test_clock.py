"""The virtual clock: ordered events, cancellation, RCU callbacks, waiting with a deadline.

Mirrors kernel/time and kernel/rcu as far as the model uses them (kernel/clock.py).
"""

from __future__ import annotations

from netlife.kernel.clock import HZ, Clock, secs


def test_events_run_in_time_then_scheduling_order():
    clock = Clock()
    log = []
    clock.schedule(secs(2), lambda: log.append("b"))
    clock.schedule(secs(1), lambda: log.append("a1"))
    clock.schedule(secs(1), lambda: log.append("a2"))
    clock.queue_work(lambda: log.append("now"))
    clock.advance(secs(1.5))
    assert log == ["now", "a1", "a2"] and clock.now == secs(1.5)
    clock.advance(secs(1))
    assert log[-1] == "b"


def test_cancelled_timers_do_not_run():
    clock = Clock()
    log = []
    t = clock.schedule(5, lambda: log.append("x"))
    t.cancel()
    clock.advance(10)
    assert log == [] and clock.next_event_time() is None


def test_rcu_callbacks_run_at_the_next_grace_period_in_order():
    clock = Clock()
    log = []
    clock.call_rcu(lambda: (log.append(1), clock.call_rcu(lambda: log.append(3))))
    clock.call_rcu(lambda: log.append(2))
    clock.synchronize_rcu()
    assert log == [1, 2, 3]


def test_run_until_stops_at_the_deadline_or_the_condition():
    clock = Clock()
    box = []
    clock.schedule(secs(3), lambda: box.append(1))
    assert not clock.run_until(lambda: bool(box), secs(2)) and clock.now == secs(2)
    assert clock.run_until(lambda: bool(box), secs(10)) and clock.now == secs(3)


def test_time_never_goes_back_and_stamps_like_printk():
    clock = Clock(secs(309.261822))
    clock.schedule_at(0, lambda: None)  # in the past: runs now
    clock.run_pending()
    assert clock.now == secs(309.261822)
    assert clock.stamp() == "[  309.261822]"
    assert clock.jiffies == 309 * HZ + 261
