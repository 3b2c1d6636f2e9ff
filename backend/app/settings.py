"""The operator's settings: one TOML file, validated as a whole before anything uses it.

The file is created from `resources/default_settings.toml` on first run. Reading and
writing go through tomlkit, so the comments and layout an operator wrote by hand
survive an edit from the settings dialog. A value Switchboard cannot use is reported
with the key and the reason, and nothing is applied or written until every value is
valid ("never half-applied").
"""

from __future__ import annotations

import importlib.resources
import os
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.exceptions import TOMLKitError

from backend.app import setting_checks as check
from backend.app.device_settings import (
    FAMILIES,
    CameraRigSettings,
    ChamberSettings,
    TrainerSettings,
    entry_table,
    entry_values,
    parse_family,
)
from backend.bus.endpoints import HubEndpoints
from backend.bus.naming import machine_name_from_host

THEMES = ("light", "dark")


class SettingsError(ValueError):
    """The settings cannot be used; `problems` lists every reason, one sentence each."""

    def __init__(self, problems: list[str], source: str = "settings") -> None:
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(problems))


@dataclass(frozen=True, slots=True)
class BusSettings:
    host: str = "127.0.0.1"
    pub_port: int = 16202
    sub_port: int = 16201
    machine_name: str = ""
    start_hub: bool = True

    @property
    def endpoints(self) -> HubEndpoints:
        return HubEndpoints(self.host, self.pub_port, self.sub_port)

    @property
    def machine(self) -> str:
        """The machine name in effect: the configured one, or this computer's host name."""
        return self.machine_name or machine_name_from_host()


@dataclass(frozen=True, slots=True)
class UiSettings:
    theme: str = "light"


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything in the settings file. `document` keeps the file's text layout and any
    sections this version does not know, so saving never loses them."""

    bus: BusSettings = field(default_factory=BusSettings)
    ui: UiSettings = field(default_factory=UiSettings)
    cameras: tuple[CameraRigSettings, ...] = ()
    chambers: tuple[ChamberSettings, ...] = ()
    trainers: tuple[TrainerSettings, ...] = ()
    document: tomlkit.TOMLDocument = field(default_factory=tomlkit.document, compare=False, repr=False)
    path: Path | None = field(default=None, compare=False)


_CHECKS: dict[str, dict[str, Callable[[Any], str | None]]] = {
    "bus": {
        "host": check.host,
        "pub_port": check.port,
        "sub_port": check.port,
        "machine_name": check.machine,
        "start_hub": check.boolean,
    },
    "ui": {"theme": check.one_of(THEMES)},
}
_SECTIONS = {"bus": BusSettings, "ui": UiSettings}


def default_text() -> str:
    """The commented default settings file shipped in `resources/`."""
    return importlib.resources.files("resources").joinpath("default_settings.toml").read_text("utf-8")


def parse(text: str, source: str = "settings", path: Path | None = None) -> Settings:
    """Read settings from TOML text; raise `SettingsError` listing every problem."""
    try:
        document = tomlkit.parse(text)
    except TOMLKitError as error:
        raise SettingsError([f"not valid TOML: {error}"], source) from None
    return validate(document.unwrap(), document=document, source=source, path=path)


def validate(
    values: Mapping[str, Any],
    *,
    document: tomlkit.TOMLDocument | None = None,
    source: str = "settings",
    path: Path | None = None,
) -> Settings:
    """Settings from plain values (missing keys take defaults); raise `SettingsError` on any bad one."""
    problems: list[str] = []
    sections: dict[str, Any] = {}
    for section, dataclass_type in _SECTIONS.items():
        raw = values.get(section, {})
        if not isinstance(raw, Mapping):
            problems.append(f"[{section}] must be a table")
            raw = {}
        kwargs = {}
        for key, check_value in _CHECKS[section].items():
            if key not in raw:
                continue
            problem = check_value(raw[key])
            if problem:
                problems.append(f"{section}.{key} {problem}")
            else:
                kwargs[key] = raw[key]
        for key in raw:
            if key not in _CHECKS[section]:
                problems.append(f"{section}.{key} is not a setting Switchboard knows")
        sections[section] = dataclass_type(**kwargs)
    bus: BusSettings = sections["bus"]
    if bus.pub_port == bus.sub_port:
        problems.append("bus.pub_port and bus.sub_port must differ")
    devices = {family: parse_family(family, values.get(family), problems) for family in FAMILIES}
    if problems:
        raise SettingsError(problems, source)
    return Settings(bus=bus, ui=sections["ui"], **devices, document=document or tomlkit.document(), path=path)


def load(path: Path) -> Settings:
    """Read `path`, creating it from the defaults when it does not exist yet."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_atomically(path, default_text())
    return parse(path.read_text("utf-8"), source=str(path), path=path)


def load_or_defaults(path: Path) -> tuple[Settings, SettingsError | None]:
    """Like `load`, but a broken file gives the defaults and the error instead of failing.

    The broken file is copied to `<name>.broken` first, so a later save from the
    settings dialog never destroys what the operator wrote.
    """
    try:
        return load(path), None
    except SettingsError as error:
        backup = path.with_name(path.name + ".broken")
        backup.write_bytes(path.read_bytes())
        defaults = parse(default_text(), source="defaults", path=path)
        return defaults, error


def with_changes(settings: Settings, **changes: Any) -> Settings:
    """A validated copy of `settings` with some values changed.

    `with_changes(s, bus={"host": …})` changes keys of a section;
    `with_changes(s, cameras=[{"name": …}, …])` replaces a family's device entries.
    """
    unknown = set(changes) - set(_SECTIONS) - set(FAMILIES)
    if unknown:
        raise SettingsError([f"[{name}] is not a section Switchboard knows" for name in sorted(unknown)])
    values: dict[str, Any] = {}
    for name in _SECTIONS:
        current = {f.name: getattr(getattr(settings, name), f.name) for f in fields(_SECTIONS[name])}
        values[name] = {**current, **changes.get(name, {})}
    for family in FAMILIES:
        values[family] = list(changes[family]) if family in changes else [entry_values(e) for e in getattr(settings, family)]
    checked = validate(values, document=settings.document, path=settings.path)
    return replace(checked, document=settings.document, path=settings.path)


def save(settings: Settings, path: Path | None = None) -> Path:
    """Write `settings` back, keeping the file's comments and unknown sections."""
    target = path or settings.path
    if target is None:
        raise ValueError("these settings were not read from a file; give a path")
    document = tomlkit.parse(tomlkit.dumps(settings.document)) if settings.document else tomlkit.document()
    for name in _SECTIONS:
        section = getattr(settings, name)
        if name not in document:
            document[name] = tomlkit.table()
        for f in fields(_SECTIONS[name]):
            document[name][f.name] = getattr(section, f.name)
    for family in FAMILIES:
        _save_devices(document, family, getattr(settings, family))
    target.parent.mkdir(parents=True, exist_ok=True)
    _write_atomically(target, tomlkit.dumps(document))
    return target


def _save_devices(document: tomlkit.TOMLDocument, family: str, entries: tuple[Any, ...]) -> None:
    """Rewrite a `[[family]]` array only when its entries changed, so hand-written comments
    inside an unchanged array survive."""
    problems: list[str] = []
    if parse_family(family, document.get(family), problems) == entries and not problems:
        return
    if not entries:
        document.pop(family, None)
        return
    array = tomlkit.aot()
    for entry in entries:
        array.append(tomlkit.item(entry_table(entry)))
    document[family] = array


def _write_atomically(path: Path, text: str) -> None:
    """Write through a temporary file and a rename, so a crash never leaves half a file."""
    handle, temporary = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
