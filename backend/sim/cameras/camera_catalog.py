"""The camera models the simulated rig is built from: make, model, and each property's range.

Ranges are those an operator sees on these bodies in Smart Shooter (as strings, like the
wire, §8 type drift). A rig of N cameras cycles through the catalogue, so a large rig
mixes makes the way real photogrammetry rigs often do.
"""

from __future__ import annotations

from dataclasses import dataclass, field

_APERTURES = ("f/1.8", "f/2", "f/2.8", "f/4", "f/5.6", "f/8", "f/11", "f/16", "f/22")
_SHUTTER_SPEEDS = ("1/8000", "1/4000", "1/2000", "1/1000", "1/500", "1/250", "1/125", "1/60", "1/30", "1/15", "1/8", "1/4", "1/2", "1\"")
_WHITE_BALANCE = ("Auto", "Daylight", "Shade", "Cloudy", "Tungsten", "Fluorescent", "Flash", "Kelvin")
_EXPOSURE = ("-2", "-1.7", "-1.3", "-1", "-0.7", "-0.3", "0", "+0.3", "+0.7", "+1", "+1.3", "+1.7", "+2")


@dataclass(frozen=True, slots=True)
class PropertySpec:
    """One property of a model: its first value, its range, whether the app may change it."""

    value: str
    range: tuple[str, ...]
    writable: bool = True


@dataclass(frozen=True, slots=True)
class CameraModelSpec:
    make: str
    model: str
    first_serial: int
    raw_extension: str
    width: int
    height: int
    properties: dict[str, PropertySpec] = field(default_factory=dict)


def _common(iso: tuple[str, ...], quality: tuple[str, ...]) -> dict[str, PropertySpec]:
    return {
        "Aperture": PropertySpec("f/8", _APERTURES),
        "ShutterSpeed": PropertySpec("1/125", _SHUTTER_SPEEDS),
        "ISO": PropertySpec("100", iso),
        "Exposure": PropertySpec("0", _EXPOSURE),
        "Quality": PropertySpec(quality[0], quality),
        "ProgramMode": PropertySpec("M", ("M",), writable=False),
        "MeteringMode": PropertySpec("Matrix", ("Matrix", "Centre-weighted", "Spot")),
        "FocusMode": PropertySpec("AF-S", ("AF-S", "AF-C", "MF")),
        "DriveMode": PropertySpec("Single", ("Single", "Continuous Low", "Continuous High")),
        "WhiteBalance": PropertySpec("Daylight", _WHITE_BALANCE),
        "ColourTemperature": PropertySpec("5500", tuple(str(k) for k in range(2500, 10001, 500))),
        "Storage": PropertySpec("Disk", ("Disk", "Card", "Both")),
        "MirrorLockup": PropertySpec("Off", ("Off", "On")),
    }


_V5_ONLY = {
    "PixelShiftMode": PropertySpec("Off", ("Off", "4 shots", "16 shots")),
    "ControlMode": PropertySpec("App", ("Camera", "App", "Both")),
}
V5_ONLY_PROPERTIES = frozenset(_V5_ONLY)

CATALOGUE: tuple[CameraModelSpec, ...] = (
    CameraModelSpec(
        "Nikon Corporation", "D850", 3119826, "NEF", 8256, 5504,
        {**_common(("64", "100", "200", "400", "800", "1600", "3200", "6400", "12800", "25600"), ("RAW", "RAW + JPEG Fine", "JPEG Fine")), **_V5_ONLY},
    ),
    CameraModelSpec(
        "Canon Inc.", "Canon EOS 5D Mark IV", 21302, "CR2", 6720, 4480,
        {**_common(("100", "200", "400", "800", "1600", "3200", "6400", "12800", "25600", "32000"), ("RAW", "RAW + L", "L")), **_V5_ONLY},
    ),
    CameraModelSpec(
        "Sony Corporation", "ILCE-7RM4", 4337807, "ARW", 9504, 6336,
        {**_common(("100", "200", "400", "800", "1600", "3200", "6400", "12800", "32000"), ("RAW", "RAW & JPEG", "Extra fine")), **_V5_ONLY},
    ),
)


def models_named(names: str) -> tuple[CameraModelSpec, ...]:
    """The catalogue entries named in `names` ("D850,ILCE-7RM4"; case does not matter).

    Raises ValueError naming the models the catalogue has, for a name it does not.
    """
    by_name = {spec.model.lower(): spec for spec in CATALOGUE}
    chosen = []
    for name in (part.strip() for part in names.split(",") if part.strip()):
        if name.lower() not in by_name:
            raise ValueError(f"no camera model {name!r}; the simulator has {', '.join(spec.model for spec in CATALOGUE)}")
        chosen.append(by_name[name.lower()])
    if not chosen:
        raise ValueError("name at least one camera model")
    return tuple(chosen)


def model_for(index: int, models: tuple[CameraModelSpec, ...] = CATALOGUE, first_serial: int | None = None) -> tuple[CameraModelSpec, str]:
    """The model and serial number of the rig's `index`-th camera (0-based), cycling through
    `models`; serials count up from each model's own first serial, or from `first_serial`."""
    spec = models[index % len(models)]
    start = spec.first_serial if first_serial is None else first_serial
    return spec, str(start + index // len(models))
