"""Who answers the Store's heartbeat: ConnectedClients (bus.md §6 step 6).

A service is added when it sends Startup or Self and dropped when three Identify rounds
in a row pass without an answer. Whether it sent Startup says whether it keeps State
(a stateful service gets its State pushed on ChangeShow).
"""

from __future__ import annotations

from dataclasses import dataclass

MISSED_ROUNDS_LIMIT = 3


@dataclass(slots=True)
class Client:
    name: str
    role: str
    stateful: bool
    answered: bool = True
    missed: int = 0


class ConnectedClients:
    def __init__(self, missed_limit: int = MISSED_ROUNDS_LIMIT) -> None:
        self.missed_limit = missed_limit
        self._clients: dict[str, Client] = {}

    def answered(self, name: str, role: str, *, stateful: bool | None) -> bool:
        """Record a Self (`stateful=None`: keep what is known) or a Startup; True if the list changed."""
        client = self._clients.get(name)
        if client is None:
            self._clients[name] = Client(name, role, bool(stateful))
            return True
        changed = client.role != role
        client.role = role
        client.answered = True
        client.missed = 0
        if stateful:
            client.stateful = True
        return changed

    def new_round(self) -> bool:
        """Called before each Identify: count who missed the last one; True if someone was dropped."""
        dropped = []
        for client in self._clients.values():
            client.missed = 0 if client.answered else client.missed + 1
            client.answered = False
            if client.missed >= self.missed_limit:
                dropped.append(client.name)
        for name in dropped:
            del self._clients[name]
        return bool(dropped)

    def clear(self) -> bool:
        had = bool(self._clients)
        self._clients.clear()
        return had

    def __contains__(self, name: object) -> bool:
        return name in self._clients

    def listing(self) -> list[dict[str, str]]:
        """The value of the `ConnectedClients` Get and Update: `[{"Name","Role"}]`."""
        return [{"Name": c.name, "Role": c.role} for c in sorted(self._clients.values(), key=lambda c: c.name)]

    def stateful_names(self) -> list[str]:
        return sorted(c.name for c in self._clients.values() if c.stateful)
