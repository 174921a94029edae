"""Which requests the API traces: drawn once per request, in front of the instrumentation,
so an unsampled request meets no instrumentation at all."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from opentelemetry.instrumentation.utils import is_instrumentation_enabled
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from starlette.types import ASGIApp, Receive, Scope, Send

from bolttickets.observability.tracing_setup import HeadSampling, instrument_app, sampler

REQUESTS = 20
CALLER_TRACE_ID = 0x4BF92F3577B34DA6A3CE929D0E0E4736
CALLER_SPAN_ID = 0x00F067AA0BA902B7


def traced_app(ratio: float) -> tuple[FastAPI, InMemorySpanExporter]:
    """An app instrumented as the API is, whose route answers whether it ran instrumented,
    and the spans it ended."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider(sampler=sampler(ratio))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    app = FastAPI()

    @app.post("/api/things/{thing}")
    async def thing(thing: str) -> dict[str, bool]:
        return {"instrumented": is_instrumentation_enabled()}

    instrument_app(app, provider, ratio)
    return app, exporter


async def post(app: FastAPI, headers: dict[str, str] | None = None) -> bool:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.post("/api/things/a", headers=headers)
    assert response.status_code == 200, response.text
    return bool(response.json()["instrumented"])


async def test_at_ratio_zero_no_request_meets_the_instrumentation() -> None:
    app, exporter = traced_app(0.0)
    for _ in range(REQUESTS):
        assert not await post(app)
    assert exporter.get_finished_spans() == ()


async def test_at_ratio_one_every_request_is_a_server_span_named_by_its_route() -> None:
    app, exporter = traced_app(1.0)
    for _ in range(REQUESTS):
        assert await post(app)
    spans = exporter.get_finished_spans()
    assert len(spans) == REQUESTS
    assert {(s.name, s.kind, s.context.trace_flags.sampled) for s in spans} == {
        ("POST /api/things/{thing}", SpanKind.SERVER, True)
    }


async def test_a_callers_traceparent_decides_whatever_the_ratio() -> None:
    app, exporter = traced_app(0.0)
    caller = f"00-{CALLER_TRACE_ID:032x}-{CALLER_SPAN_ID:016x}"
    assert await post(app, {"traceparent": f"{caller}-01"})
    [span] = exporter.get_finished_spans()
    assert span.context.trace_id == CALLER_TRACE_ID
    assert span.parent is not None and span.parent.span_id == CALLER_SPAN_ID
    exporter.clear()
    await post(app, {"traceparent": f"{caller}-00"})
    assert exporter.get_finished_spans() == ()


async def test_the_ratio_is_drawn_once_per_request() -> None:
    draws = iter([0.1, 0.3, 0.2499, 0.25])
    seen: list[tuple[str, bool]] = []

    def app(name: str) -> ASGIApp:
        async def serve(scope: Scope, receive: Receive, send: Send) -> None:
            seen.append((name, is_instrumentation_enabled()))

        return serve

    sampling = HeadSampling(app("traced"), app("untraced"), 0.25, draw=lambda: next(draws))
    scope: Scope = {"type": "http", "headers": []}
    for _ in range(4):
        await sampling(scope, _no_receive, _no_send)
    traced, untraced = ("traced", True), ("untraced", False)
    assert seen == [traced, untraced, traced, untraced]
    await sampling({"type": "lifespan"}, _no_receive, _no_send)
    assert seen[-1] == traced


async def _no_receive() -> dict[str, str]:
    raise AssertionError("not called")


async def _no_send(message: object) -> None:
    raise AssertionError("not called")
