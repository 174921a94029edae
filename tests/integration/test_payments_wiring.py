"""The payment providers a process is built with, from its settings: Stripe at the API
base it is given (a real stripe-mock here), the test provider outside production only."""

from __future__ import annotations

import uuid
from pathlib import Path

from bolttickets import bootstrap
from bolttickets.config import Settings
from bolttickets.domain.payments import PaymentRequest, ProviderName
from tests.stripe_mock import API_KEY, StripeMock
from tests.support import JWT_SECRET


def settings(tmp_path: Path, stripe_mock: StripeMock, env: str) -> Settings:
    return Settings(
        env=env,
        jwt_secret=JWT_SECRET,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'bolt.db'}",
        stripe_api_key=API_KEY,
        stripe_webhook_secret="whsec_wiring",
        stripe_api_base=stripe_mock.url,
    )


async def test_a_process_takes_payments_from_the_providers_its_settings_name(
    tmp_path: Path, stripe_mock: StripeMock
) -> None:
    async with bootstrap.running(settings(tmp_path, stripe_mock, "test"), bootstrap.Role.API) as c:
        assert c.payments.enabled == [ProviderName.TEST, ProviderName.STRIPE]
        request = PaymentRequest(uuid.uuid4(), 1000, "EUR")
        stripe = await c.payments.start(ProviderName.STRIPE, request)
        assert stripe.payment_id.startswith("pi_")  # stripe-mock's answer: its base is used
        test = await c.payments.start(ProviderName.TEST, request)
        assert test.payment_id.startswith("tpay_")


async def test_production_takes_no_test_card(tmp_path: Path, stripe_mock: StripeMock) -> None:
    chosen = settings(tmp_path, stripe_mock, "production")
    async with bootstrap.running(chosen, bootstrap.Role.API) as container:
        assert container.payments.enabled == [ProviderName.STRIPE]
