"""The client's clock: per-attempt timeouts, retries, liveness and resync periods (`trainer.md` §8).

The defaults are the reference's; tests shorten them so that a lost heartbeat or a dead
device shows in a second rather than in a minute.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ClientTiming:
    request_timeout: float = 2.0
    """Seconds to wait for one reply before the REQ socket is rebuilt."""
    attempts: int = 3
    """Tries per idempotent command (USER_DEFINED is tried once)."""
    estop_window: float = 10.0
    """How long EMERGENCY_STOP is retried before the "E-stop not confirmed" alarm."""
    async_result_timeout: float = 30.0
    """How long a PENDING_WITH_NOTIFICATION waits for its COMMAND_RESULT."""
    heartbeat_interval: float = 5.0
    stale_after_intervals: int = 3
    offline_after: float = 60.0
    status_refresh: float = 60.0
    """GET_STATUS when no systemStatus event came for this long."""
    emergency_duplicate_window: float = 2.0
    """A 101/102 on the EVENT topic with the same (kind, index) as one on EMERGENCY within this is dropped."""

    @property
    def stale_after(self) -> float:
        return self.heartbeat_interval * self.stale_after_intervals

    @property
    def watchdog_period(self) -> float:
        return min(0.5, self.heartbeat_interval / 4)
