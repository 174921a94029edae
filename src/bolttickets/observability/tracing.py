"""Traces with OpenTelemetry: one per booking, from its HTTP request to the worker's batch.

A booking's trace is its request's server span, the reservation in the stock store and the
send to the queue. The send carries the W3C trace context (``traceparent``) in the
message's headers, and the worker's span for a batch is linked to the context of every
message in it: a batch holds the requests of many traces, so it cannot be the child of
one. Its database transaction and the publication of the statuses are its children.

This module needs only the OpenTelemetry API: until ``tracing_setup.install`` sets a
provider (``BOLT_OTLP_ENDPOINT``), its spans are the API's no-op ones and no header is
written.

Most requests are not sampled (1 % are, by default), so an unsampled one must cost next to
nothing: ``child_span`` starts no span where the current one is not recorded, and no
header is written for a trace that is not sampled.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager

from opentelemetry import propagate, trace
from opentelemetry.trace import Link, Span, SpanKind
from opentelemetry.util.types import Attributes
from structlog.typing import EventDict, WrappedLogger

from bolttickets import __version__

tracer = trace.get_tracer("bolttickets", __version__)
"""Every span of ours is opened through this."""

Headers = Sequence[tuple[str, bytes]]
"""A message's headers, as Kafka carries them."""


_NOT_RECORDED: AbstractContextManager[Span] = contextlib.nullcontext(trace.INVALID_SPAN)


def child_span(
    name: str, kind: SpanKind = SpanKind.INTERNAL, attributes: Attributes = None
) -> AbstractContextManager[Span]:
    """A span under the current one, made current, when the current one is recorded;
    otherwise nothing is started (no ids drawn, no sampler asked, no context attached) and
    the caller gets the no-op span, whose attributes go nowhere."""
    if not trace.get_current_span().is_recording():
        return _NOT_RECORDED
    return tracer.start_as_current_span(name, kind=kind, attributes=attributes)


def current_context_headers() -> list[tuple[str, bytes]]:
    """The current trace context as message headers (``traceparent``, ``tracestate``);
    none outside a sampled trace: the worker has nothing to link to in a trace nobody
    keeps."""
    if not trace.get_current_span().get_span_context().trace_flags.sampled:
        return []
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return [(name, value.encode()) for name, value in carrier.items()]


def link_to(headers: Headers) -> Link | None:
    """A link to the trace context these message headers carry, if they carry one."""
    if not headers:  # an unsampled booking's message: a batch holds hundreds of them
        return None
    carrier = {name: value.decode(errors="replace") for name, value in headers}
    context = trace.get_current_span(propagate.extract(carrier)).get_span_context()
    return Link(context) if context.is_valid else None


@contextlib.contextmanager
def consuming(topic: str, batch: Sequence[Headers]) -> Iterator[None]:
    """The span of one batch taken from ``topic``, linked to the trace of each message
    (given by its headers) that carries one."""
    links = [link for headers in batch if (link := link_to(headers)) is not None]
    with tracer.start_as_current_span(
        f"process {topic}",
        kind=SpanKind.CONSUMER,
        links=links,
        attributes={
            "messaging.operation.type": "process",
            "messaging.destination.name": topic,
            "messaging.batch.message_count": len(batch),
        },
    ):
        yield


def add_trace_ids(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
    """A structlog processor: the current span's ``trace_id`` and ``span_id``, in the hex
    form trace viewers search by, on every line logged inside a trace."""
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        event["trace_id"] = trace.format_trace_id(context.trace_id)
        event["span_id"] = trace.format_span_id(context.span_id)
    return event
