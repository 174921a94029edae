"""Secrets never reach a log line: a structlog processor that masks them wherever they are."""

from __future__ import annotations

import re
from collections.abc import Mapping, MutableMapping
from typing import Any

MASK = "***"

# Fields named like a secret are masked whole, whatever their value.
_SECRET_NAME = re.compile(r"password|passwd|secret|token|authorization|cookie|api_?key", re.I)
# A password inside any text: a URL's user info (postgresql://user:password@host), or an
# Authorization header's credentials quoted in a message or a traceback.
_URL_PASSWORD = re.compile(r"(?P<keep>[a-z][a-z0-9+.-]*://[^:/@\s]*:)[^@\s]+(?=@)", re.I)
_CREDENTIALS = re.compile(r"(?P<keep>\b(?:bearer|basic)\s+)[A-Za-z0-9._~+/=-]+", re.I)


def redact_secrets(
    _: Any, __: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """Runs after the exception is formatted, so a traceback is masked too."""
    for key, value in event_dict.items():
        event_dict[key] = _redacted(key, value)
    return event_dict


def _redacted(key: str, value: Any) -> Any:
    if _SECRET_NAME.search(key):
        return MASK
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):  # headers, a settings dump
        return {k: _redacted(str(k), v) for k, v in value.items()}
    return value


def redact_text(text: str) -> str:
    if "://" in text:
        text = _URL_PASSWORD.sub(rf"\g<keep>{MASK}", text)
    return _CREDENTIALS.sub(rf"\g<keep>{MASK}", text)
