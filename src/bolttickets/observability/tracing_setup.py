"""Installs OpenTelemetry's SDK: only the composition root imports this, and only when
``BOLT_OTLP_ENDPOINT`` is set; otherwise nothing of the SDK is loaded or installed."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

from fastapi import FastAPI
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.utils import suppress_instrumentation
from opentelemetry.sdk.resources import SERVICE_NAME, SERVICE_VERSION, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import (
    Decision,
    ParentBased,
    Sampler,
    SamplingResult,
    TraceIdRatioBased,
)
from opentelemetry.trace import Link, SpanKind
from opentelemetry.util.types import Attributes
from starlette.types import ASGIApp, Receive, Scope, Send

from bolttickets import __version__


def install(endpoint: str, service_name: str, sample_ratio: float) -> TracerProvider:
    """Export this process's spans to the OTLP/HTTP collector at ``endpoint``, sampling
    ``sample_ratio`` of the traces that start here (a trace continued from a caller keeps
    the caller's decision); returns the provider, to shut down when the process stops."""
    provider = TracerProvider(
        resource=Resource.create({SERVICE_NAME: service_name, SERVICE_VERSION: __version__}),
        sampler=sampler(sample_ratio),
        # The process's own stop shuts it down, once its last span has ended.
        shutdown_on_exit=False,
    )
    exporter = OTLPSpanExporter(endpoint=f"{endpoint.rstrip('/')}/v1/traces")
    provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    # The SQL statements, as children of whatever span runs them (the worker's batch
    # transaction, above all).
    AsyncPGInstrumentor().instrument(tracer_provider=provider)  # type: ignore[no-untyped-call]
    return provider


def sampler(sample_ratio: float) -> Sampler:
    """A span with a parent follows its parent's decision; a new trace is sampled as
    ``TraceStart`` says, ``sample_ratio`` of those it leaves to chance."""
    return ParentBased(root=TraceStart(TraceIdRatioBased(sample_ratio)))


def instrument_app(app: FastAPI, provider: TracerProvider, sample_ratio: float) -> None:
    """A server span for every sampled request the app serves, the plain routes at the head
    of its router included: the instrumentation wraps the whole application, not its
    routes. Which requests are sampled is decided in front of it (``HeadSampling``)."""
    plain = app.build_middleware_stack
    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=provider,
        excluded_urls="/health/,/metrics",
        # A span per ASGI message would outnumber the request's own spans.
        exclude_spans=["receive", "send"],
    )
    instrumented = app.build_middleware_stack
    app.build_middleware_stack = lambda: HeadSampling(instrumented(), plain(), sample_ratio)  # type: ignore[method-assign]


class HeadSampling:
    """Pure ASGI middleware in front of the instrumentation: a request that starts a trace
    is sampled here, once, with probability ``ratio``, before any instrumentation runs.

    A sampled request goes to ``app``, the instrumented middleware stack. An unsampled one
    goes to ``untraced``, the same stack without the instrumentation's layers, with every
    instrumentation suppressed (asyncpg's too), and the spans of our own adapters are not
    started either (``tracing.child_span``): that is what tracing costs the 99 % of
    requests nobody keeps.
    A sampled request's server span is then sampled by ``TraceStart``; a request carrying a
    caller's ``traceparent`` goes through as it came, to follow the caller's decision.
    """

    def __init__(
        self,
        app: ASGIApp,
        untraced: ASGIApp,
        ratio: float,
        draw: Callable[[], float] = random.random,
    ) -> None:
        # Named ``app`` because FastAPI follows ``.app`` down the stack to find the
        # instrumentation, and leaves its own telemetry off when it does.
        self.app = app
        self.untraced = untraced
        self.ratio = ratio
        self._draw = draw

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan" or self._traced(scope):
            await self.app(scope, receive, send)
            return
        with suppress_instrumentation():
            await self.untraced(scope, receive, send)

    def _traced(self, scope: Scope) -> bool:
        return self._draw() < self.ratio or any(
            name == b"traceparent" for name, _ in scope["headers"]
        )


class TraceStart(Sampler):
    """Whether a new trace (a span without a parent) is sampled:

    - a server span, always: only requests that ``HeadSampling`` let through start one, and
      it has drawn the ratio already;
    - a span linked to a sampled one, always: a worker's batch that holds a sampled booking
      is then traced, so the booking's trace can be followed into the worker at any ratio;
    - anything else as ``otherwise`` says.
    """

    def __init__(self, otherwise: Sampler) -> None:
        self._otherwise = otherwise

    def should_sample(
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: trace.TraceState | None = None,
    ) -> SamplingResult:
        if kind is SpanKind.SERVER or (
            links and any(link.context.trace_flags.sampled for link in links)
        ):
            return SamplingResult(Decision.RECORD_AND_SAMPLE, attributes)
        return self._otherwise.should_sample(
            parent_context, trace_id, name, kind, attributes, links, trace_state
        )

    def get_description(self) -> str:
        return f"TraceStart{{{self._otherwise.get_description()}}}"
