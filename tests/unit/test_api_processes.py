"""Several API processes need the full stack: the embedded default refuses them in one line."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from bolttickets.cli import app

EMBEDDED = {
    "BOLT_JWT_SECRET": "s" * 40,
    "BOLT_KAFKA_BOOTSTRAP": None,
    "BOLT_REDIS_URL": None,
    "BOLT_DATABASE_URL": None,
    "BOLT_API_PROCESSES": None,
}


@pytest.mark.parametrize(
    ("arguments", "environment"),
    [(["--processes", "2"], {}), ([], {"BOLT_API_PROCESSES": "2"})],
    ids=["option", "variable"],
)
def test_more_than_one_process_on_the_embedded_default_is_refused(
    arguments: list[str], environment: dict[str, str]
) -> None:
    result = CliRunner().invoke(
        app, ["serve", "--port", "1", *arguments], env={**EMBEDDED, **environment}
    )
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Configuration refused: Several API processes need the full stack" in result.output
    assert len(result.output.strip().splitlines()) == 1, result.output
