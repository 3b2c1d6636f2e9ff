"""Service names (bus.md §3) and hub endpoints (§1)."""

from __future__ import annotations

import socket

import pytest

from backend.bus.endpoints import DEFAULT_HOST, DEFAULT_PUB_PORT, DEFAULT_SUB_PORT, HubEndpoints
from backend.bus.naming import ServiceName, is_valid_machine_name, machine_name_from_host, numbered, service_name


@pytest.mark.parametrize(
    ("host", "machine"),
    [
        ("STUDIO1", "STUDIO1"),
        ("render-01.studio.local", "render-01.studio.local"),
        ("Jakubs_PC", "Jakubs_PC"),
        ("Jakub's PC", "JakubsPC"),
        ("Café Régie", "CafRgie"),
        ("stage:1/left", "stage1left"),
        ("日本", "localhost"),
        ("", "localhost"),
    ],
)
def test_the_machine_name_keeps_only_letters_digits_dash_underscore_and_dot(host: str, machine: str) -> None:
    assert machine_name_from_host(host) == machine
    assert is_valid_machine_name(machine)


def test_without_a_host_name_the_machine_name_comes_from_this_computer() -> None:
    name = machine_name_from_host()
    assert is_valid_machine_name(name)
    assert name == machine_name_from_host(socket.gethostname())


def test_names_with_spaces_or_colons_are_not_valid_machine_names() -> None:
    assert not is_valid_machine_name("")
    assert not is_valid_machine_name("My PC")
    assert not is_valid_machine_name("a:::b")


def test_a_per_machine_service_is_named_machine_dash_service() -> None:
    assert service_name("STUDIO1", "Switchboard") == "STUDIO1-Switchboard"


@pytest.mark.parametrize(
    ("full", "machine", "service"),
    [
        ("RenderMachine1-Engine", "RenderMachine1", "Engine"),
        ("DESKTOP-X-Gateway", "DESKTOP-X", "Gateway"),
        ("my-long-host-name-Switchboard2", "my-long-host-name", "Switchboard2"),
        ("Jakubs-PC-CTS", "Jakubs-PC", "CTS"),
        ("Jakubs-PC_CTS", "Jakubs", "PC_CTS"),
        ("~LOCAL~-Engine", "~LOCAL~", "Engine"),
    ],
)
def test_a_service_name_splits_at_its_last_dash_because_host_names_contain_dashes(
    full: str, machine: str, service: str
) -> None:
    parsed = ServiceName.parse(full)
    assert (parsed.full, parsed.machine, parsed.service) == (full, machine, service)


@pytest.mark.parametrize("full", ["Store", "QueryServer", "AssetHub Server", "BROADCAST", "-Engine", "Host-", "-", ""])
def test_a_name_without_a_usable_dash_is_a_singleton(full: str) -> None:
    parsed = ServiceName.parse(full)
    assert parsed.machine is None
    assert parsed.service == full
    assert parsed.full == full


def test_later_instances_on_one_machine_are_numbered_from_two() -> None:
    assert [numbered("Switchboard", n) for n in (0, 1, 2, 3, 10)] == [
        "Switchboard",
        "Switchboard",
        "Switchboard2",
        "Switchboard3",
        "Switchboard10",
    ]
    numbered_name = service_name("STUDIO1", numbered("Switchboard", 2))
    assert ServiceName.parse(numbered_name).service == "Switchboard2"


def test_the_default_hub_is_the_documented_one_on_this_machine() -> None:
    default = HubEndpoints()
    assert (default.host, default.pub_port, default.sub_port) == (DEFAULT_HOST, 16202, 16201)
    assert (DEFAULT_PUB_PORT, DEFAULT_SUB_PORT) == (16202, 16201)
    assert default.publish_to == "tcp://127.0.0.1:16202"
    assert default.subscribe_to == "tcp://127.0.0.1:16201"


@pytest.mark.parametrize("wildcard", ["*", "0.0.0.0", ""])
def test_a_hub_bound_on_every_interface_is_reached_on_loopback(wildcard: str) -> None:
    endpoints = HubEndpoints(host=wildcard, pub_port=1, sub_port=2)
    assert endpoints.publish_to == "tcp://127.0.0.1:1"
    assert endpoints.bind_address(1) == "tcp://*:1"


def test_port_zero_binds_any_free_port_and_ipv6_hosts_are_bracketed() -> None:
    assert HubEndpoints(host="10.0.0.5").bind_address(0) == "tcp://10.0.0.5:*"
    v6 = HubEndpoints(host="::1", pub_port=5, sub_port=6)
    assert v6.publish_to == "tcp://[::1]:5"
    assert v6.subscribe_to == "tcp://[::1]:6"
    assert v6.bind_address(5) == "tcp://[::1]:5"


def test_endpoints_read_as_a_sentence_for_the_operator() -> None:
    assert str(HubEndpoints(host="10.0.0.5", pub_port=1, sub_port=2)) == "10.0.0.5 (publish 1, subscribe 2)"
