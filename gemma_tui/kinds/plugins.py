"""Loading import kinds from the `gemma_tui.kinds` entry points.

Every kind, the built-in ones included, is declared by its package as an
entry point ``NAME = "module:KindClass"`` in that group. The loader imports
each class, builds it, checks what it declares and registers it. A plugin
that cannot be used (it does not import, is no `Kind` subclass, raises when
built, declares something malformed, or takes a name already taken) is
skipped and described in one line; it never stops the others.

Kinds of gemma-tui itself are registered first, then the others ordered by
package and entry point name, so a plugin can never take a built-in name
and a clash between two plugins always resolves the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib.metadata import EntryPoint, distributions
from typing import Any

from gemma_tui.queue.kinds import Kind, Registry
from gemma_tui.text import one_line

GROUP = "gemma_tui.kinds"
BUILTIN_PACKAGE = "gemma-tui"
UNKNOWN_PACKAGE = "an unknown package"

# Kind names end up in the queue, in logs and in narrow table cells.
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,31}", re.ASCII)


@dataclass(frozen=True, slots=True)
class Provider:
    """The package (distribution) that declares a kind, and how."""

    package: str
    version: str
    entry_point: str

    def __str__(self) -> str:
        return f"{self.package} {self.version}".strip()


@dataclass(frozen=True, slots=True)
class LoadedKinds:
    """The registry of every usable kind, who provides each, and what was
    skipped (one line per plugin)."""

    registry: Registry
    providers: Mapping[str, Provider]
    problems: tuple[str, ...]


class _Unusable(Exception):
    """Why one entry point is skipped."""


def load_kinds(declared: Iterable[EntryPoint] | None = None) -> LoadedKinds:
    """Loads the kinds declared in `GROUP`, or in `declared` if given."""
    problems: list[str] = []
    found = _installed(problems) if declared is None else list(declared)
    registry = Registry()
    providers: dict[str, Provider] = {}
    for point in sorted(found, key=_load_order):
        provider = _provider(point)
        try:
            kind = _kind_of(point, providers)
        except _Unusable as why:
            problems.append(
                f"kind plugin {_shown(point.name)} of {provider} skipped: {why}"
            )
            continue
        registry.register(kind)
        providers[kind.name] = provider
    if not found:
        problems.append(
            f"no import kinds are declared (entry point group {GROUP!r}); "
            "reinstall gemma-tui to restore its own"
        )
    return LoadedKinds(registry, providers, tuple(problems))


def _installed(problems: list[str]) -> list[EntryPoint]:
    """The entry points of `GROUP` in every installed package.

    Read package by package: `importlib.metadata.entry_points()` raises for
    all packages when one has a malformed ``entry_points.txt``.
    """
    found: list[EntryPoint] = []
    seen: set[str] = set()
    for dist in distributions():
        name = dist.metadata["Name"] or UNKNOWN_PACKAGE
        if _normal(name) in seen:
            continue  # shadowed by one earlier on sys.path, as for imports
        seen.add(_normal(name))
        try:
            found += dist.entry_points.select(group=GROUP)
        except Exception as error:
            if f"[{GROUP}]" in (dist.read_text("entry_points.txt") or ""):
                problems.append(
                    f"kind plugins of {name} skipped: its entry_points.txt cannot"
                    f" be read ({_error(error)})"
                )
    return found


def _package(point: EntryPoint) -> str:
    dist = point.dist
    return dist.name if dist is not None else UNKNOWN_PACKAGE


def _load_order(point: EntryPoint) -> tuple[bool, str, str]:
    package = _normal(_package(point))
    return (package != BUILTIN_PACKAGE, package, point.name)


def _normal(package: str) -> str:
    """A distribution name as packaging compares them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", package).lower()


def _provider(point: EntryPoint) -> Provider:
    dist = point.dist
    version = dist.version if dist is not None else ""
    return Provider(_package(point), version, f"{point.name} = {point.value}")


def _kind_of(point: EntryPoint, taken: Mapping[str, Provider]) -> Kind:
    """The built and checked kind that `point` names; raises `_Unusable`."""
    target = _imported(point)
    if not isinstance(target, type) or not issubclass(target, Kind):
        raise _Unusable(f"{_shown(point.value)} is not a Kind subclass")
    try:
        kind = target()
    except Exception as error:
        raise _Unusable(f"building {point.value} raised {_error(error)}") from None
    try:
        _check(kind, point.name)
    except _Unusable:
        raise
    except Exception as error:
        raise _Unusable(f"reading {point.value} raised {_error(error)}") from None
    if kind.name in taken:
        raise _Unusable(f"kind {kind.name!r} is already provided by {taken[kind.name]}")
    return kind


def _imported(point: EntryPoint) -> Any:
    try:
        return point.load()
    except (Exception, SystemExit) as error:
        # SystemExit too: a plugin that exits on import must not end the process.
        what = f"cannot import {_shown(point.value)}: {_error(error)}"
        raise _Unusable(what) from None


def _check(kind: Kind, declared_name: str) -> None:
    """Rejects declarations that the queue, the console or SQL would trip on."""
    name = kind.name
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise _Unusable(
            f"its name {_shown(name)} is not 1-32 letters, digits, '_', '-' or '.'"
            " starting with a letter or digit"
        )
    if name != declared_name:
        raise _Unusable(
            f"its kind is named {name!r}, but the entry point says"
            f" {_shown(declared_name)}"
        )
    description = kind.description
    if not isinstance(description, str) or not description:
        raise _Unusable("its description is not text")
    if one_line(description) != description:
        raise _Unusable("its description is not one line of plain text")
    _check_resources("exclusive", kind.exclusive)
    _check_resources("shared", kind.shared)
    if not isinstance(kind.auto_accept, bool):
        raise _Unusable("its auto_accept is not True or False")


def _check_resources(which: str, resources: object) -> None:
    if not isinstance(resources, tuple) or not all(
        isinstance(resource, str) and resource for resource in resources
    ):
        raise _Unusable(f"its {which} dependencies are not a tuple of resource names")


def _error(error: BaseException) -> str:
    message = one_line(str(error), 120)
    name = type(error).__name__
    return f"{name}: {message}" if message else name


def _shown(data: object) -> str:
    """A value from a plugin, quoted for a one-line message."""
    if isinstance(data, str):
        return repr(one_line(data, 60))
    return f"<{type(data).__name__}>"
