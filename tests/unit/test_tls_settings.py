"""The API's own certificate: both files or neither, and files that exist."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from bolttickets.config import Settings

SECRET = "s" * 40


def settings(**values: object) -> Settings:
    return Settings(jwt_secret=SECRET, **values)  # type: ignore[arg-type]


@pytest.fixture
def pem(tmp_path: Path) -> Path:
    path = tmp_path / "server.pem"
    path.write_text("-----BEGIN CERTIFICATE-----\n")
    return path


def test_plain_http_is_the_default() -> None:
    chosen = settings()
    assert chosen.tls_cert_file is None and chosen.tls_key_file is None


def test_a_certificate_without_its_key_is_refused(pem: Path) -> None:
    with pytest.raises(ValidationError, match="BOLT_TLS_CERT_FILE and BOLT_TLS_KEY_FILE"):
        settings(tls_cert_file=pem)
    with pytest.raises(ValidationError, match="BOLT_TLS_CERT_FILE and BOLT_TLS_KEY_FILE"):
        settings(tls_key_file=pem)


def test_a_missing_file_is_refused_by_its_setting(pem: Path, tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="tls_key_file"):
        settings(tls_cert_file=pem, tls_key_file=tmp_path / "nowhere.key")


def test_both_files_are_taken(pem: Path) -> None:
    chosen = settings(tls_cert_file=pem, tls_key_file=pem)
    assert (chosen.tls_cert_file, chosen.tls_key_file) == (pem, pem)
