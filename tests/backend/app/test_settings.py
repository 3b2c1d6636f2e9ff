"""The settings file: created from defaults, validated as a whole, saved without losing comments."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.app import locations
from backend.app.settings import SettingsError, default_text, load, load_or_defaults, parse, save, with_changes


def test_first_run_creates_the_settings_file_from_the_shipped_defaults() -> None:
    path = locations.settings_file()
    assert not path.exists()
    settings = load(path)
    assert path.read_text("utf-8") == default_text()
    assert (settings.bus.host, settings.bus.pub_port, settings.bus.sub_port) == ("127.0.0.1", 16202, 16201)
    assert settings.bus.start_hub is True
    assert settings.ui.theme == "light"


def test_an_empty_machine_name_means_this_computers_host_name() -> None:
    from backend.bus.naming import machine_name_from_host

    settings = parse(default_text())
    assert settings.bus.machine_name == ""
    assert settings.bus.machine == machine_name_from_host()
    assert with_changes(settings, bus={"machine_name": "STUDIO1"}).bus.machine == "STUDIO1"


def test_every_bad_value_is_named_with_its_reason() -> None:
    text = """
[bus]
host = "not a host!"
pub_port = 70000
sub_port = "16201"
machine_name = "bad name"
start_hub = "yes"
[ui]
theme = "purple"
"""
    with pytest.raises(SettingsError) as caught:
        parse(text)
    problems = " | ".join(caught.value.problems)
    for key in ("bus.host", "bus.pub_port", "bus.sub_port", "bus.machine_name", "bus.start_hub", "ui.theme"):
        assert key in problems
    assert "1 to 65535" in problems


def test_the_same_port_for_publishing_and_subscribing_is_refused() -> None:
    with pytest.raises(SettingsError, match="must differ"):
        parse("[bus]\npub_port = 16202\nsub_port = 16202\n")


def test_a_misspelt_key_is_reported_instead_of_silently_ignored() -> None:
    with pytest.raises(SettingsError, match="bus.pub_prot is not a setting"):
        parse("[bus]\npub_prot = 1\n")


def test_broken_toml_is_reported_with_the_parser_message() -> None:
    with pytest.raises(SettingsError, match="not valid TOML"):
        parse("[bus\nhost=")


def test_saving_changes_keeps_the_operators_comments_and_unknown_sections(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text(default_text() + "\n# my own note\n[[cameras]]\nname = \"North\"\n", "utf-8")
    settings = load(path)
    changed = with_changes(settings, bus={"host": "10.0.0.5"}, ui={"theme": "dark"})
    save(changed)
    text = path.read_text("utf-8")
    assert 'host = "10.0.0.5"' in text
    assert 'theme = "dark"' in text
    assert "# my own note" in text
    assert "# Where services publish" in text
    assert 'name = "North"' in text
    assert load(path).bus.host == "10.0.0.5"


def test_an_invalid_change_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    settings = load(path)
    before = path.read_text("utf-8")
    with pytest.raises(SettingsError):
        with_changes(settings, bus={"host": "ok.example", "pub_port": 0})
    assert path.read_text("utf-8") == before


def test_a_broken_file_gives_defaults_and_is_kept_aside_before_anything_overwrites_it(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text("[bus]\npub_port = -1\n", "utf-8")
    settings, problem = load_or_defaults(path)
    assert problem is not None and "bus.pub_port" in str(problem)
    assert settings.bus.pub_port == 16202
    assert (tmp_path / "settings.toml.broken").read_text("utf-8") == "[bus]\npub_port = -1\n"
    assert path.read_text("utf-8") == "[bus]\npub_port = -1\n"
