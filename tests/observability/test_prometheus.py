"""The metrics of docs/observability.md, read back from the real Prometheus after a sale:
what the processes exported is what the sale did."""

from __future__ import annotations

import operator
from functools import partial

from tests.observability.conftest import ScrapedSale, TicketType
from tests.support import eventually

API = "bolttickets-api"
WORKER = "bolttickets-worker"

# The contract, one name per series family (a histogram by its _count series).
CONTRACT = {
    API: [
        "bolttickets_build_info",
        "bolttickets_http_requests_total",
        "bolttickets_http_request_duration_seconds_count",
        "bolttickets_http_requests_in_flight",
        "bolttickets_booking_admissions_total",
        "bolttickets_reservation_duration_seconds_count",
        "bolttickets_produce_duration_seconds_count",
        "bolttickets_websocket_connections",
        "bolttickets_websocket_subscriptions",
        "bolttickets_realtime_messages_sent_total",
        "bolttickets_realtime_messages_dropped_total",
        "bolttickets_realtime_fanout_delay_seconds_count",
    ],
    WORKER: [
        "bolttickets_build_info",
        "bolttickets_worker_records_consumed_total",
        "bolttickets_worker_batch_records_count",
        "bolttickets_worker_batch_duration_seconds_count",
        "bolttickets_bookings_decided_total",
        "bolttickets_worker_consumer_lag",
        "bolttickets_worker_oldest_hold_age_seconds",
        "bolttickets_holds_resent_total",
        "bolttickets_foreign_holds_skipped_total",
        "bolttickets_reconcile_tickets_moved_total",
        "bolttickets_dead_letters_total",
        "bolttickets_worker_last_progress_timestamp_seconds",
        "bolttickets_tickets_capacity",
        "bolttickets_tickets_sold",
        "bolttickets_tickets_remaining",
        "bolttickets_stock_drift_tickets",
    ],
}
PROCESS = ["process_cpu_seconds_total", "process_resident_memory_bytes"]
PROCESS += ["python_gc_collections_total"]


def matchers(sale: ScrapedSale, **labels: str) -> str:
    pairs = {"run": sale.run, **labels}
    return "{" + ",".join(f'{name}="{value}"' for name, value in pairs.items()) + "}"


async def test_booking_counters_are_what_the_sale_did(scraped_sale: ScrapedSale) -> None:
    sale = scraped_sale
    assert sale.accepted == 40 and sale.sold_out == 10 and sale.confirmed == 40
    admissions = "sum by (outcome) (bolttickets_booking_admissions_total{})"
    counts = {
        r["metric"]["outcome"]: float(r["value"][1])
        for r in await sale.query(admissions.format(sale.selector))
    }
    assert counts == {
        "accepted": sale.accepted,
        "sold_out": sale.sold_out,
        "per_user_limit": 0,
        "sale_not_open": 0,
        "key_reused": 0,
        "no_admission_pass": 0,
        "no_offer": 0,
        "rate_limited": 0,
        "invalid": 0,
        "unavailable": 0,
    }
    decided = await sale.value(
        f"sum(bolttickets_bookings_decided_total{matchers(sale, status='reserved')})"
    )
    assert decided == sale.confirmed
    consumed = await sale.value(f"sum(bolttickets_worker_records_consumed_total{sale.selector})")
    # A hold the sweeper found unapplied for a while is sent again (the same booking).
    resent = await sale.value(f"sum(bolttickets_holds_resent_total{sale.selector})")
    assert consumed == sale.accepted + (resent or 0)


async def test_requests_are_counted_by_route_template(scraped_sale: ScrapedSale) -> None:
    sale = scraped_sale
    posted = matchers(sale, route="/api/bookings", method="POST", status="202")
    assert await sale.value(f"sum(bolttickets_http_requests_total{posted})") == sale.accepted
    polled = matchers(sale, route="/api/bookings/{booking_id}", method="GET", status="200")
    # The sale's fixture waited for a scrape after the last admission, not the last poll.
    await eventually(
        lambda: sale.value(f"sum(bolttickets_http_requests_total{polled})"),
        lambda n: (n or 0) >= sale.accepted,
        timeout=60,
    )
    routes = await sale.query(f"count by (route) (bolttickets_http_requests_total{sale.selector})")
    assert not [r for r in routes if r["metric"]["route"].count("-") >= 4], "a raw id as a route"


async def test_consumer_lag_returns_to_zero(scraped_sale: ScrapedSale) -> None:
    sale = scraped_sale

    async def lag() -> list[float]:
        series = await sale.query(f"bolttickets_worker_consumer_lag{sale.selector}")
        return [float(s["value"][1]) for s in series]

    await eventually(lag, lambda values: bool(values) and max(values) == 0, timeout=60)


async def test_business_gauges_show_the_sale(scraped_sale: ScrapedSale) -> None:
    sale = scraped_sale

    async def gauges(tt: TicketType) -> dict[str, float | None]:
        where = matchers(sale, event_id=sale.event_id, ticket_type_id=tt.id)
        names = ("capacity", "sold", "remaining")
        found = {n: await sale.value(f"max(bolttickets_tickets_{n}{where})") for n in names}
        found["drift"] = await sale.value(f"max(bolttickets_stock_drift_tickets{where})")
        return found

    for tt in sale.ticket_types:
        expected = {
            "capacity": tt.capacity,
            "sold": tt.confirmed,
            "remaining": tt.capacity - tt.confirmed,
            "drift": 0,
        }
        await eventually(partial(gauges, tt), partial(operator.eq, expected), timeout=60)
    sold_out = [tt for tt in sale.ticket_types if tt.confirmed == tt.capacity]
    assert sold_out, "the sale sells one ticket type out"


async def test_every_metric_of_the_contract_is_exported(scraped_sale: ScrapedSale) -> None:
    sale = scraped_sale
    exported = await sale.query(f"count by (job, __name__) ({sale.selector})")
    found = {(s["metric"]["job"], s["metric"]["__name__"]) for s in exported}
    for job, names in CONTRACT.items():
        missing = [name for name in names if (job, name) not in found]
        assert not missing, f"{job} does not export {missing}"
    roles = await sale.query(f"bolttickets_build_info{sale.selector} == 1")
    assert sorted(r["metric"]["role"] for r in roles) == ["api", "api", "worker"]


async def test_every_process_exports_its_process_metrics(scraped_sale: ScrapedSale) -> None:
    sale = scraped_sale
    for name in PROCESS:
        per_instance = await sale.query(f"count by (instance, job) ({name}{sale.selector})")
        jobs = sorted(r["metric"]["job"] for r in per_instance)
        assert jobs == [API, API, WORKER], f"{name}: {per_instance}"
