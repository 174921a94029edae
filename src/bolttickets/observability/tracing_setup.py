"""Installs OpenTelemetry's SDK: only the composition root imports this, and only when
``BOLT_OTLP_ENDPOINT`` is set; otherwise nothing of the SDK is loaded or installed."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import FastAPI
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
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

from bolttickets import __version__


def install(endpoint: str, service_name: str, sample_ratio: float) -> TracerProvider:
    """Export this process's spans to the OTLP/HTTP collector at ``endpoint``, sampling
    ``sample_ratio`` of the traces that start here (a trace continued from a caller keeps
    the caller's decision); returns the provider, to shut down when the process stops."""
    provider = TracerProvider(
        resource=Resource.create({SERVICE_NAME: service_name, SERVICE_VERSION: __version__}),
        sampler=ParentBased(root=SampledWithLinks(TraceIdRatioBased(sample_ratio))),
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


def instrument_app(app: FastAPI, provider: TracerProvider) -> None:
    """A server span for every request the app serves, the plain routes at the head of its
    router included: the instrumentation wraps the whole application, not its routes."""
    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=provider,
        excluded_urls="/health/,/metrics",
        # A span per ASGI message would outnumber the request's own spans.
        exclude_spans=["receive", "send"],
    )


class SampledWithLinks(Sampler):
    """Samples a new trace linked to a sampled one, and asks ``otherwise`` for the rest: a
    worker's batch that holds a sampled booking is then always traced, so the booking's
    trace can be followed into the worker at any ratio."""

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
        if links and any(link.context.trace_flags.sampled for link in links):
            return SamplingResult(Decision.RECORD_AND_SAMPLE, attributes)
        return self._otherwise.should_sample(
            parent_context, trace_id, name, kind, attributes, links, trace_state
        )

    def get_description(self) -> str:
        return f"SampledWithLinks{{{self._otherwise.get_description()}}}"
