"""The Calls a service offers: PascalCase methods with named parameters (`protocols/bus.md` §4).

A handler is a plain function or coroutine function whose parameter names are the
wire names (`ShowName`, `Rig`…), so what a caller must send is read straight off the
signature, checked before the handler runs, and listed by `describe()`.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from backend.bus.errors import CallRefused

_PASCAL_CASE = re.compile(r"^[A-Z][A-Za-z0-9]*$")


@dataclass(frozen=True, slots=True)
class BusMethod:
    """One Call a service answers."""

    name: str
    handler: Callable[..., Any]
    summary: str
    changes_world: bool
    """True for Calls that act on devices or data: these are written to the audit log."""
    signature: inspect.Signature

    @property
    def parameters(self) -> list[dict[str, Any]]:
        described = []
        for param in self.signature.parameters.values():
            if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
                continue
            described.append({"Name": param.name, "Required": param.default is param.empty})
        return described


class MethodRegistry:
    """Methods by name; `invoke()` checks the parameters and runs the handler."""

    def __init__(self) -> None:
        self._methods: dict[str, BusMethod] = {}

    def add(
        self, name: str, handler: Callable[..., Any], *, summary: str = "", changes_world: bool = False
    ) -> BusMethod:
        if not _PASCAL_CASE.match(name):
            raise ValueError(f"Bus method names are PascalCase; {name!r} is not")
        doc = summary or (inspect.getdoc(handler) or "").split("\n", 1)[0]
        method = BusMethod(name=name, handler=handler, summary=doc, changes_world=changes_world, signature=inspect.signature(handler))
        self._methods[name] = method
        return method

    def get(self, name: str) -> BusMethod | None:
        return self._methods.get(name)

    def names(self) -> list[str]:
        return sorted(self._methods)

    def describe(self) -> list[dict[str, Any]]:
        """Every method with its summary and parameters, for `ListMethods` and the composer."""
        return [
            {"Method": m.name, "Summary": m.summary, "Params": m.parameters, "ChangesWorld": m.changes_world}
            for m in sorted(self._methods.values(), key=lambda m: m.name)
        ]

    async def invoke(self, name: str, params: Any) -> Any:
        """Run method `name` with `params` (object, array or None); raise `CallRefused` on misuse."""
        method = self._methods.get(name)
        if method is None:
            known = ", ".join(self.names()) or "none"
            raise CallRefused(f"Unknown method {name}; this service offers: {known}")
        bound = _bind(method, params)
        result = method.handler(*bound.args, **bound.kwargs)
        if inspect.isawaitable(result):
            result = await result
        return result


def _bind(method: BusMethod, params: Any) -> inspect.BoundArguments:
    signature = method.signature
    try:
        if params is None:
            return signature.bind()
        if isinstance(params, dict):
            return signature.bind(**params)
        if isinstance(params, list):
            return signature.bind(*params)
    except TypeError as error:
        expected = ", ".join(p["Name"] for p in method.parameters) or "no parameters"
        raise CallRefused(f"Bad parameters for {method.name} ({error}); it takes: {expected}") from None
    raise CallRefused(f"Params of {method.name} must be an object or an array, not {type(params).__name__}")
