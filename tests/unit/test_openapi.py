"""The OpenAPI document the web page's typed client is generated from."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from bolttickets.api import problems
from bolttickets.cli import app
from bolttickets.domain import errors

COMMITTED = Path(__file__).parents[2] / "frontend" / "openapi.json"


def _document() -> dict[str, object]:
    result = CliRunner().invoke(app, ["openapi"])
    assert result.exit_code == 0, result.output
    document: dict[str, object] = json.loads(result.stdout)
    return document


def test_the_committed_document_is_the_one_the_server_serves() -> None:
    """The front end's types (`make api-client`) are generated from the committed copy."""
    assert json.loads(COMMITTED.read_text()) == _document(), "run `make api-client`"


def test_every_refusal_the_domain_can_raise_is_a_documented_problem_slug() -> None:
    # A grandchild of DomainError too, and the API's own answers beside the domain's.
    expected = {errors.SoldOut.slug, errors.QueueUnavailable.slug, problems.INVALID[0]}
    assert expected <= set(problems.slugs())
    schemas = _document()["components"]["schemas"]  # type: ignore[index]
    assert schemas["ProblemSlug"]["enum"] == problems.slugs()
