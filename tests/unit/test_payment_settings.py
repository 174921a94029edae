"""Which payment providers the settings enable, and the secrets they are given."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bolttickets.config import Settings

SECRET = "s" * 40


def settings(**values: object) -> Settings:
    return Settings(jwt_secret=SECRET, **values)  # type: ignore[arg-type]


def test_stripe_is_refused_without_the_secret_its_webhooks_are_verified_with() -> None:
    with pytest.raises(ValidationError, match="BOLT_STRIPE_WEBHOOK_SECRET"):
        settings(stripe_api_key="sk_test_1")
    settings(stripe_api_key="sk_test_1", stripe_webhook_secret="whsec_1")


def test_the_stripe_api_base_is_a_url() -> None:
    with pytest.raises(ValidationError, match="stripe_api_base"):
        settings(stripe_api_base="localhost:12111")


def test_stripes_secrets_are_never_shown() -> None:
    chosen = settings(stripe_api_key="sk_test_hidden", stripe_webhook_secret="whsec_hidden")
    assert "hidden" not in repr(chosen) and "hidden" not in str(chosen.model_dump())


@pytest.mark.parametrize(("env", "offered"), [("production", False), ("test", True), ("dev", True)])
def test_the_test_provider_is_never_offered_in_production(env: str, offered: bool) -> None:
    assert settings(env=env).test_payments is offered


def test_the_test_providers_secret_is_the_deployments_own() -> None:
    """Every process of a deployment derives the same secret; no other deployment can."""
    mine = settings(env="test").test_payments_secret
    assert mine == settings(env="test").test_payments_secret
    assert mine != Settings(env="test", jwt_secret="t" * 40).test_payments_secret
    assert SECRET not in mine
