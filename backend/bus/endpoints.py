"""Where the hub is: one host and two ports, named as the settings and the hub CLI name them.

`pub_port` (16202) is where services *publish* (the hub's XSUB); `sub_port` (16201) is
where services *subscribe* (the hub's XPUB). `protocols/bus.md` §1.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PUB_PORT = 16202
DEFAULT_SUB_PORT = 16201
_WILDCARDS = ("*", "0.0.0.0", "")


@dataclass(frozen=True, slots=True)
class HubEndpoints:
    """The address of one hub."""

    host: str = DEFAULT_HOST
    pub_port: int = DEFAULT_PUB_PORT
    sub_port: int = DEFAULT_SUB_PORT

    @property
    def connect_host(self) -> str:
        """The host to connect to: a wildcard bind address means this machine."""
        return "127.0.0.1" if self.host in _WILDCARDS else self.host

    @property
    def publish_to(self) -> str:
        """Endpoint a service's PUB socket connects to."""
        return f"tcp://{_bracketed(self.connect_host)}:{self.pub_port}"

    @property
    def subscribe_to(self) -> str:
        """Endpoint a service's SUB socket connects to."""
        return f"tcp://{_bracketed(self.connect_host)}:{self.sub_port}"

    def bind_address(self, port: int) -> str:
        """Endpoint the hub binds for `port` (0 picks a free port)."""
        host = "*" if self.host in _WILDCARDS else _bracketed(self.host)
        return f"tcp://{host}:{port if port else '*'}"

    def __str__(self) -> str:
        return f"{self.connect_host} (publish {self.pub_port}, subscribe {self.sub_port})"


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host
