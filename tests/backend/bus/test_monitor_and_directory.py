"""The Bus panel's tap on all traffic, and the directory of services it builds (bus.md §3, §6)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable

import pytest

from backend.bus.codec import decode
from backend.bus.directory import ServiceDirectory
from backend.bus.endpoints import HubEndpoints
from backend.bus.message import (
    BROADCAST,
    BusMessage,
    LogLevel,
    call_message,
    call_result_message,
    get_message,
    identify_message,
    log_message,
    self_message,
    set_message,
    startup_message,
    update_message,
)
from backend.bus.monitor import BusMonitor, TrafficRate
from tests.backend.bus.lowlevel_support import OpenConnection, open_connection, publish_until_heard
from tests.helpers import wait_until

__all__ = ["open_connection"]

ME = "STUDIO1-Switchboard"


@pytest.fixture
async def start_monitor() -> AsyncIterator[Callable[..., object]]:
    started: list[BusMonitor] = []

    async def factory(endpoints: HubEndpoints, history: int = 1000) -> BusMonitor:
        monitor = BusMonitor(endpoints, history=history)
        started.append(monitor)
        await monitor.start()
        return monitor

    yield factory
    for monitor in started:
        await monitor.stop()


async def watched(monitor: BusMonitor, sender, name: str = "Probe.Monitor") -> None:
    """Wait until the monitor hears `sender`, then forget what it heard so far."""
    probe = update_message(BROADCAST, "Tester", name, True)
    await publish_until_heard(sender, lambda: any(m.name == name for m in monitor.history), probe)
    # A fence sent once arrives after every resent probe, so none turns up later.
    sender.publish(update_message(BROADCAST, "Tester", "Probe.Fence", True))
    await wait_until(lambda: any(m.name == "Probe.Fence" for m in monitor.history), timeout=5)
    monitor.history.clear()


# ------------------------------------------------------------------ monitor


async def test_the_monitor_sees_every_message_whoever_it_is_addressed_to(
    hub: HubEndpoints, open_connection: OpenConnection, start_monitor
) -> None:
    monitor = await start_monitor(hub)
    batches: list[list[BusMessage]] = []
    monitor.arrived.connect(batches.append)
    sender = await open_connection(hub, label="sender")
    await watched(monitor, sender)
    total_before = monitor.total

    traffic = [
        identify_message("Store"),
        get_message("Store", "State.General.FrameRate", ME),
        set_message("RenderMachine1-Engine", "State.Exposure", 1.5),
        call_message("Store", ME, "ChangeShow", "id-1", {"ShowName": "A"}),
        call_result_message(ME, "Store", "ChangeShow", "id-1"),
        self_message("Store", ME, "Switchboard"),
        log_message(ME, LogLevel.INFO, "hello"),
        update_message("Somebody-Else", "Store", "CurrentShow", "A"),
    ]
    for message in traffic:
        sender.publish(message)
    sender.publish_frames([b'{"Type":"Telemetry","Source":"Tracker"}', b"{}", b"\x01\x02"])
    await wait_until(lambda: len(monitor.history) == len(traffic) + 1, timeout=3, what="all traffic in the monitor")

    assert [m.topic for m in monitor.history][:-1] == [m.topic for m in traffic]
    assert monitor.history[-1].type == "Telemetry"
    assert monitor.history[-1].attachment == b"\x01\x02"
    assert monitor.total == total_before + len(traffic) + 1
    assert [m for batch in batches for m in batch][-len(traffic) - 1 :] == list(monitor.history)


async def test_the_monitor_also_hears_what_its_own_application_sends(
    hub: HubEndpoints, open_connection: OpenConnection, start_monitor
) -> None:
    monitor = await start_monitor(hub)
    own = await open_connection(hub, label="switchboard")
    await watched(monitor, own)
    own.publish(startup_message("Store", ME, "Switchboard"))
    await wait_until(lambda: any(m.type == "Startup" for m in monitor.history), timeout=3)


async def test_the_history_keeps_only_the_newest_messages_and_can_be_resized(
    hub: HubEndpoints, open_connection: OpenConnection, start_monitor
) -> None:
    monitor = await start_monitor(hub, history=5)
    sender = await open_connection(hub, label="sender")
    await watched(monitor, sender)
    total_before = monitor.total

    for n in range(20):
        sender.publish(update_message(BROADCAST, "Tester", f"N.{n}", n))
    await wait_until(lambda: monitor.total == total_before + 20, timeout=3, what="twenty messages")
    assert [m.name for m in monitor.history] == [f"N.{n}" for n in range(15, 20)]

    monitor.resize(3)
    assert [m.name for m in monitor.history] == ["N.17", "N.18", "N.19"]
    monitor.resize(10)
    assert monitor.history.maxlen == 10
    assert [m.name for m in monitor.history] == ["N.17", "N.18", "N.19"]

    for n in range(20, 30):
        sender.publish(update_message(BROADCAST, "Tester", f"N.{n}", n))
    await wait_until(lambda: monitor.total == total_before + 30, timeout=3)
    assert [m.name for m in monitor.history] == [f"N.{n}" for n in range(20, 30)]


async def test_the_monitor_counts_traffic_into_its_rate(
    hub: HubEndpoints, open_connection: OpenConnection, start_monitor
) -> None:
    class CountingRate(TrafficRate):
        """The real rate, also remembering how many messages it was given."""

        def __init__(self) -> None:
            super().__init__()
            self.counted = 0

        def add(self, count: int, now: float | None = None) -> None:
            self.counted += count
            super().add(count, now)

    monitor = await start_monitor(hub)
    sender = await open_connection(hub, label="sender")
    await watched(monitor, sender)
    monitor.rate = CountingRate()
    total_before = monitor.total
    for n in range(50):
        sender.publish(update_message(BROADCAST, "Tester", f"N.{n}", n))
    await wait_until(lambda: monitor.total == total_before + 50, timeout=3)
    assert monitor.rate.counted == 50


def test_the_rate_is_messages_per_second_over_the_last_whole_second() -> None:
    rate = TrafficRate()
    start = time.monotonic()
    rate.add(10, now=start + 0.5)
    assert rate.per_second == 0.0  # less than a second: nothing to report yet
    rate.add(20, now=start + 2.0)
    assert rate.per_second == pytest.approx(15.0, rel=1e-3)
    rate.add(5, now=start + 2.5)
    assert rate.per_second == pytest.approx(15.0, rel=1e-3)
    rate.add(5, now=start + 3.0)
    assert rate.per_second == pytest.approx(10.0, rel=1e-3)


def test_the_rate_falls_to_zero_when_traffic_stops() -> None:
    rate = TrafficRate()
    start = time.monotonic()
    rate.add(100, now=start + 1.0)
    assert rate.per_second > 0
    assert rate.settle(now=start + 2.5) == 0.0


# ------------------------------------------------------------------ directory


def received_at(message: BusMessage, when: float) -> BusMessage:
    message.received = when
    return message


def test_the_directory_learns_services_from_who_sends_traffic() -> None:
    directory = ServiceDirectory()
    directory.observe(
        [
            received_at(update_message(BROADCAST, "RenderMachine1-Engine", "State.Exposure", 1), 100.0),
            received_at(update_message(BROADCAST, "RenderMachine1-Engine", "State.Gain", 2), 101.0),
            received_at(log_message("DESKTOP-X-Gateway", LogLevel.INFO, "hi"), 102.0),
        ]
    )
    engine = directory.services["RenderMachine1-Engine"]
    assert (engine.machine, engine.messages, engine.last_seen) == ("RenderMachine1", 2, 101.0)
    assert directory.services["DESKTOP-X-Gateway"].machine == "DESKTOP-X"
    assert engine.connected is None  # no Store list yet: unknown, not "disconnected"


def test_a_call_result_counts_for_the_service_that_executed_the_call() -> None:
    directory = ServiceDirectory()
    directory.observe([call_result_message(ME, "RenderMachine1-Engine", "GetProperty", "id-1", result="10.000000")])
    assert list(directory.services) == ["RenderMachine1-Engine"]


def test_a_set_names_no_sender_and_teaches_the_directory_nothing() -> None:
    directory = ServiceDirectory()
    directory.observe(
        [
            set_message("Store", "State.A", 1),
            decode([b'{"Type":"Update","Target":"X","Source":"BROADCAST","Name":"A"}', b"{}"]),
        ]
    )
    assert directory.services == {}


def test_whoever_asks_with_a_get_call_or_identify_is_on_the_bus_as_its_respond_to() -> None:
    directory = ServiceDirectory()
    directory.observe([identify_message("Store"), get_message("Store", "State", ME), call_message("Store", ME, "ChangeShow", "id-1")])
    assert set(directory.services) == {"Store", ME}
    assert directory.services[ME].messages == 2


def test_roles_come_from_self_and_startup_and_the_store_is_the_store() -> None:
    directory = ServiceDirectory()
    directory.observe(
        [
            startup_message("Store", ME, "Switchboard"),
            self_message("Store", "STUDIO1-CTS", "CTS"),
            update_message(BROADCAST, "Store", "CurrentShow", "Morning"),
            decode([b'{"Type":"Self","Target":"Store","Source":"Odd-Thing"}', b'{"Role":42}']),
        ]
    )
    assert directory.services[ME].role == "Switchboard"
    assert directory.services["STUDIO1-CTS"].role == "CTS"
    assert directory.services["Store"].role == "Store"
    assert directory.services["Store"].machine is None
    assert directory.services["Odd-Thing"].role is None


def connected_clients(*clients: tuple[str, str], source: str = "Store") -> BusMessage:
    return update_message(BROADCAST, source, "ConnectedClients", [{"Name": n, "Role": r} for n, r in clients])


def test_the_stores_connected_clients_mark_who_is_connected_and_who_is_not() -> None:
    directory = ServiceDirectory()
    directory.observe([update_message(BROADCAST, "RenderMachine1-Engine", "State.A", 1)])
    directory.observe([connected_clients((ME, "Switchboard"), ("STUDIO1-CTS", "CTS"))])

    assert directory.has_store_list
    assert (directory.services[ME].connected, directory.services[ME].role) == (True, "Switchboard")
    assert directory.services["STUDIO1-CTS"].connected is True
    assert directory.services["STUDIO1-CTS"].machine == "STUDIO1"
    assert directory.services["RenderMachine1-Engine"].connected is False
    assert directory.services["Store"].connected is None  # the Store is never "not connected" to itself

    directory.observe([connected_clients((ME, "Switchboard"))])
    assert directory.services["STUDIO1-CTS"].connected is False
    assert directory.services[ME].connected is True


def test_a_service_first_heard_after_the_store_list_is_not_connected_until_listed() -> None:
    directory = ServiceDirectory()
    directory.observe([connected_clients((ME, "Switchboard"))])
    directory.observe([update_message(BROADCAST, "Late-Tool", "Status", "ok")])
    assert directory.services["Late-Tool"].connected is False
    directory.observe([connected_clients((ME, "Switchboard"), ("Late-Tool", "Tool"))])
    assert directory.services["Late-Tool"].connected is True


def test_only_the_store_decides_who_is_connected() -> None:
    directory = ServiceDirectory()
    directory.observe([connected_clients(("Fake-Entry", "Nobody"), source="Impostor-Tool")])
    assert not directory.has_store_list
    assert "Fake-Entry" not in directory.services


def test_a_connected_clients_list_with_junk_entries_uses_the_good_ones() -> None:
    directory = ServiceDirectory()
    directory.set_connected_clients([{"Name": ME, "Role": "Switchboard"}, {"Role": "NoName"}, "junk", {"Name": 5}])
    assert list(directory.services) == [ME]
    directory.set_connected_clients("null")  # "no such value": not a list, changes nothing
    assert directory.services[ME].connected is True


def test_the_directory_announces_a_change_once_per_batch_and_not_for_an_empty_one() -> None:
    directory = ServiceDirectory()
    changes: list[None] = []
    directory.changed.connect(lambda: changes.append(None))
    directory.observe([update_message(BROADCAST, f"M{n}-Engine", "State.A", n) for n in range(10)])
    assert len(changes) == 1
    directory.observe([])
    assert len(changes) == 1
    directory.set_connected_clients([])
    assert len(changes) == 2


def test_entries_sort_by_machine_then_name_with_singletons_first() -> None:
    directory = ServiceDirectory()
    directory.observe(
        [
            update_message(BROADCAST, name, "X", 1)
            for name in ["STUDIO2-Engine", "Store", "STUDIO1-Switchboard", "STUDIO1-CTS", "QueryServer"]
        ]
    )
    assert [e.name for e in directory.sorted_entries()] == [
        "QueryServer",
        "Store",
        "STUDIO1-CTS",
        "STUDIO1-Switchboard",
        "STUDIO2-Engine",
    ]


def test_a_service_goes_quiet_after_ten_seconds_without_a_message() -> None:
    directory = ServiceDirectory()
    directory.observe([received_at(update_message(BROADCAST, "STUDIO1-CTS", "X", 1), 1000.0)])
    entry = directory.services["STUDIO1-CTS"]
    assert not directory.is_quiet(entry, now=1009.0)
    assert directory.is_quiet(entry, now=1010.5)
    directory.set_connected_clients([{"Name": "Listed-Only", "Role": "X"}])
    assert directory.is_quiet(directory.services["Listed-Only"], now=0.0)


async def test_the_directory_fills_from_real_traffic_through_the_monitor(
    hub: HubEndpoints, open_connection: OpenConnection, start_monitor
) -> None:
    monitor = await start_monitor(hub)
    directory = ServiceDirectory()
    monitor.arrived.connect(directory.observe)
    store = await open_connection(hub, label="store")
    switchboard = await open_connection(hub, label="switchboard")
    await watched(monitor, store)
    await watched(monitor, switchboard)

    switchboard.publish(startup_message("Store", ME, "Switchboard"))
    store.publish(connected_clients((ME, "Switchboard")))
    await wait_until(lambda: directory.services.get(ME) is not None and directory.services[ME].connected, timeout=3)
    assert directory.services[ME].role == "Switchboard"
    assert directory.services[ME].machine == "STUDIO1"
