#!/usr/bin/env python3
"""Gate of a canary step: is the release healthy enough to take more traffic?

    deploy/scripts/canary_gate.py --health-url https://shop.example.com/health/ready \
        --prometheus-url http://prometheus.monitoring:9090 --watch 300

For ``--watch`` seconds it checks, every ``--every`` seconds, that the health URL answers
200 and that Prometheus has no firing alert (``ALERTS{alertstate="firing"}``, the rules of
deploy/observability/prometheus/alerts.yml among them), narrowed by ``--alert-selector``
(label matchers, e.g. ``namespace="bolttickets"``) on a Prometheus that watches more.
Exits 0 when every check of the window passed, 1 at the first that failed, naming it:
the deploy workflow then rolls the canary back. Standard library only.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

REQUEST_TIMEOUT_SECONDS = 10.0


def health_problem(url: str) -> str | None:
    """None when ``url`` answers 200, otherwise what it answered."""
    try:
        with urllib.request.urlopen(url, timeout=REQUEST_TIMEOUT_SECONDS) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except (OSError, urllib.error.URLError) as error:
        return f"{url}: {error}"
    return None if status == 200 else f"{url}: {status}"


def firing_alerts(prometheus_url: str, selector: str) -> list[str]:
    """The names of the alerts firing in Prometheus that match ``selector``."""
    matchers = ",".join(filter(None, ['alertstate="firing"', selector]))
    query = f"ALERTS{{{matchers}}}"
    url = f"{prometheus_url.rstrip('/')}/api/v1/query?{urllib.parse.urlencode({'query': query})}"
    with urllib.request.urlopen(url, timeout=REQUEST_TIMEOUT_SECONDS) as response:
        answer = json.load(response)
    if answer.get("status") != "success":
        raise RuntimeError(f"Prometheus refused {query}: {answer}")
    return sorted({series["metric"].get("alertname", "?") for series in answer["data"]["result"]})


def problem(args: argparse.Namespace) -> str | None:
    """The first reason not to go on, or None."""
    unhealthy = health_problem(args.health_url)
    if unhealthy:
        return f"not ready: {unhealthy}"
    try:
        alerts = firing_alerts(args.prometheus_url, args.alert_selector)
    except (OSError, RuntimeError, ValueError, KeyError) as error:
        # An unanswered question is not a yes: a canary is promoted only on evidence.
        return f"Prometheus unavailable: {error}"
    return f"alerts firing: {', '.join(alerts)}" if alerts else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--health-url", required=True)
    parser.add_argument("--prometheus-url", required=True)
    parser.add_argument("--alert-selector", default="", help='e.g. namespace="shop"')
    parser.add_argument("--watch", type=float, default=300.0, help="seconds to watch")
    parser.add_argument("--every", type=float, default=15.0, help="seconds between checks")
    args = parser.parse_args(argv)
    deadline = time.monotonic() + args.watch
    while True:
        reason = problem(args)
        if reason:
            print(f"canary gate: FAILED: {reason}", file=sys.stderr)
            return 1
        print("canary gate: healthy, no alert firing", flush=True)
        if time.monotonic() + args.every > deadline:
            return 0
        time.sleep(args.every)


if __name__ == "__main__":
    sys.exit(main())
