"""The trace context a booking's message carries, and the worker's links back to it."""

from __future__ import annotations

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON, ParentBased
from opentelemetry.trace import Link, SpanContext, SpanKind, TraceFlags

from bolttickets.observability.tracing import (
    add_trace_ids,
    child_span,
    current_context_headers,
    link_to,
)
from bolttickets.observability.tracing_setup import TraceStart

# A provider of the test's own, never the process's global one.
TRACER = TracerProvider(sampler=ALWAYS_ON).get_tracer("tests")


def test_the_headers_carry_the_current_span_and_link_back_to_it() -> None:
    with TRACER.start_as_current_span("send") as span:
        headers = current_context_headers()
    context = span.get_span_context()
    [(name, value)] = headers
    assert name == "traceparent"
    version, trace_id, span_id, flags = value.decode().split("-")
    assert (version, trace_id, span_id) == (
        "00",
        f"{context.trace_id:032x}",
        f"{context.span_id:016x}",
    )
    assert int(flags, 16) & TraceFlags.SAMPLED
    link = link_to(headers)
    assert link is not None
    assert (link.context.trace_id, link.context.span_id) == (context.trace_id, context.span_id)
    assert link.context.trace_flags.sampled
    assert link.context.is_remote


def test_nothing_is_written_outside_a_trace() -> None:
    assert current_context_headers() == []


def test_no_link_without_a_valid_traceparent() -> None:
    assert link_to([]) is None
    assert link_to([("traceparent", b"00-not-a-trace-01")]) is None
    assert link_to([("traceparent", b"00-" + b"0" * 32 + b"-" + b"1" * 16 + b"-01")]) is None
    assert link_to([("other", b"value")]) is None


def test_nothing_is_written_for_an_unsampled_trace() -> None:
    unsampled = TracerProvider(sampler=ALWAYS_OFF).get_tracer("tests")
    with unsampled.start_as_current_span("send") as span:
        assert span.get_span_context().is_valid
        assert current_context_headers() == []


def test_no_child_span_is_started_where_nothing_is_recorded() -> None:
    unsampled = TracerProvider(sampler=ALWAYS_OFF).get_tracer("tests")
    with unsampled.start_as_current_span("request") as parent:
        with child_span("reserve stock") as child:
            assert child is trace.INVALID_SPAN
            assert trace.get_current_span() is parent
    with child_span("send") as alone:
        assert alone is trace.INVALID_SPAN


def _context(*, sampled: bool) -> SpanContext:
    flags = TraceFlags(TraceFlags.SAMPLED if sampled else TraceFlags.DEFAULT)
    return SpanContext(trace_id=0xABC, span_id=0xDEF, is_remote=True, trace_flags=flags)


def test_a_batch_linked_to_a_sampled_booking_is_sampled_whatever_the_ratio() -> None:
    sampler = ParentBased(root=TraceStart(ALWAYS_OFF))
    tracer = TracerProvider(sampler=sampler).get_tracer("tests")
    links = [Link(_context(sampled=False)), Link(_context(sampled=True))]
    with tracer.start_as_current_span("batch", links=links) as linked:
        assert linked.is_recording()
    with tracer.start_as_current_span("batch", links=[Link(_context(sampled=False))]) as other:
        assert not other.is_recording()
    with tracer.start_as_current_span("batch") as alone:
        assert not alone.is_recording()


def test_a_request_let_through_by_the_head_sampling_is_sampled_whatever_the_ratio() -> None:
    tracer = TracerProvider(sampler=ParentBased(root=TraceStart(ALWAYS_OFF))).get_tracer("tests")
    with tracer.start_as_current_span("POST /api/bookings", kind=SpanKind.SERVER) as request:
        assert request.is_recording()
        with tracer.start_as_current_span("reserve stock", kind=SpanKind.CLIENT) as child:
            assert child.is_recording()
    with tracer.start_as_current_span("sweep", kind=SpanKind.INTERNAL) as other:
        assert not other.is_recording()


def test_log_lines_inside_a_span_carry_its_ids() -> None:
    assert add_trace_ids(None, "info", {"event": "outside"}) == {"event": "outside"}
    with TRACER.start_as_current_span("request") as span:
        line = add_trace_ids(None, "info", {"event": "inside"})
    context = span.get_span_context()
    assert line == {
        "event": "inside",
        "trace_id": trace.format_trace_id(context.trace_id),
        "span_id": trace.format_span_id(context.span_id),
    }
