"""Does requirements.lock still match pyproject.toml? `make lint` runs this; `make lock` fixes
what it finds.

The lock is right when it pins exactly what the declared dependencies need — the project's,
the dev and bench extras', and the build backend's — each at a version every requirement on
it allows. What each pinned package needs is read from its installed metadata (`make`
installs the lock), so the check is offline and a changed extra (``redis[hiredis]``) counts
as much as a changed name.
"""

from __future__ import annotations

import re
import sys
import tomllib
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

from build import ProjectBuilder
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
EXTRAS = ("dev", "bench")  # the extras `make lock` compiles
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)", re.MULTILINE)


def pins(lock_text: str) -> dict[str, str]:
    return {canonicalize_name(name): version for name, version in _PIN.findall(lock_text)}


def declared(pyproject: dict[str, object], backend_requires: Iterable[str]) -> list[Requirement]:
    project = pyproject["project"]
    build_system = pyproject["build-system"]
    assert isinstance(project, dict) and isinstance(build_system, dict)
    names = list(project.get("dependencies", []))
    for extra in EXTRAS:
        names += project.get("optional-dependencies", {}).get(extra, [])
    names += build_system["requires"]
    names += backend_requires
    return [Requirement(name) for name in names]


def backend_requires(project_dir: Path = ROOT) -> list[str]:
    """What the backend asks for on top of build-system.requires (hatchling: `editables` for
    an editable install), as pip-compile's --all-build-deps records it."""
    builder = ProjectBuilder(project_dir)
    return sorted(
        {
            req
            for dist in ("sdist", "wheel", "editable")
            for req in builder.get_requires_for_build(dist)
        }
    )


def problems(roots: Iterable[Requirement], pinned: dict[str, str]) -> list[str]:
    found: list[str] = []
    needed: dict[str, list[Requirement]] = {}
    expanded: set[tuple[str, str]] = set()
    todo = [(req, "") for req in roots]
    while todo:
        req, extra = todo.pop()
        if req.marker is not None and not req.marker.evaluate({"extra": extra}):
            continue
        name = canonicalize_name(req.name)
        needed.setdefault(name, []).append(req)
        if name not in pinned:
            continue
        for wanted in sorted({"", *req.extras}):
            if (name, wanted) in expanded:
                continue
            expanded.add((name, wanted))
            try:
                dist = metadata.distribution(name)
            except metadata.PackageNotFoundError:
                found.append(f"{name} is pinned but not installed: run `make`")
                break
            if dist.version != pinned[name]:
                # Its metadata would describe another version's dependencies.
                found.append(
                    f"{name} {dist.version} is installed, the lock pins {pinned[name]}: run `make`"
                )
            todo += [(Requirement(sub), wanted) for sub in dist.requires or []]
    for name, reqs in sorted(needed.items()):
        if name not in pinned:
            wants = ", ".join(sorted({str(r) for r in reqs}))
            found.append(f"{name} is required ({wants}) but not in the lock: run `make lock`")
            continue
        for req in reqs:
            if not req.specifier.contains(pinned[name], prereleases=True):
                found.append(f"{name}=={pinned[name]} does not satisfy {req}: run `make lock`")
    found += [
        f"{name}=={version} is in the lock but nothing requires it: run `make lock`"
        for name, version in sorted(pinned.items())
        if name not in needed
    ]
    return sorted(set(found))


def check(pyproject: Path, lock: Path, backend: Iterable[str]) -> list[str]:
    roots = declared(tomllib.loads(pyproject.read_text()), backend)
    return problems(roots, pins(lock.read_text()))


def main() -> int:
    found = check(ROOT / "pyproject.toml", ROOT / "requirements.lock", backend_requires())
    for problem in found:
        print(f"requirements.lock: {problem}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
