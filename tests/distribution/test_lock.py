"""requirements.lock pins what pyproject.toml declares, and the check says when it does not."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.distribution.lock import ROOT, backend_requires, check


@pytest.fixture(scope="module")
def backend() -> list[str]:
    return backend_requires()


def doctored(tmp_path: Path, name: str, old: str, new: str) -> Path:
    text = (ROOT / name).read_text()
    assert old in text
    path = tmp_path / name
    path.write_text(text.replace(old, new, 1))
    return path


def test_the_lock_file_agrees_with_pyproject_toml(backend: list[str]) -> None:
    assert check(ROOT / "pyproject.toml", ROOT / "requirements.lock", backend) == []


def test_a_dependency_the_lock_lacks_is_found(tmp_path: Path, backend: list[str]) -> None:
    pyproject = doctored(
        tmp_path, "pyproject.toml", '"orjson>=3.10",', '"orjson>=3.10", "Leftpad>=1",'
    )
    found = check(pyproject, ROOT / "requirements.lock", backend)
    assert found == ["leftpad is required (Leftpad>=1) but not in the lock: run `make lock`"]


def test_an_extra_the_lock_lacks_is_found(tmp_path: Path, backend: list[str]) -> None:
    # httpx[http2] needs h2, which nothing else pulls in.
    pyproject = doctored(tmp_path, "pyproject.toml", '"httpx>=0.27",', '"httpx[http2]>=0.27",')
    found = check(pyproject, ROOT / "requirements.lock", backend)
    assert any(problem.startswith("h2 is required") for problem in found), found


def test_a_raised_lower_bound_is_found(tmp_path: Path, backend: list[str]) -> None:
    pyproject = doctored(tmp_path, "pyproject.toml", '"orjson>=3.10",', '"orjson>=999",')
    found = check(pyproject, ROOT / "requirements.lock", backend)
    assert len(found) == 1 and "does not satisfy orjson>=999" in found[0], found


def test_a_dropped_dependency_is_found(tmp_path: Path, backend: list[str]) -> None:
    pyproject = doctored(tmp_path, "pyproject.toml", '"orjson>=3.10",', "")
    found = check(pyproject, ROOT / "requirements.lock", backend)
    assert any(p.startswith("orjson==") and "nothing requires it" in p for p in found), found
