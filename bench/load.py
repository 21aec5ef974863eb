"""Load generator: runs in its own process, sends one scenario's requests from several threads
for a fixed time to a server on 127.0.0.1, and prints the figures as JSON.

    python bench/load.py --base http://127.0.0.1:8300 --scenario c --duration 10 --concurrency 6 \
        --data bench/var/drafts.txt
"""

import argparse
import http.client
import json
import re
import statistics
import threading
import time
import urllib.parse
from collections import deque


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


class Client:
    def __init__(self, base: str) -> None:
        parsed = urllib.parse.urlsplit(base)
        if parsed.hostname not in {"127.0.0.1", "localhost", "::1"}:
            raise SystemExit("the load generator only talks to this machine")
        self.host, self.port = parsed.hostname, parsed.port or 80
        self.csrf = ""

    def request(
        self, method: str, path: str, form: dict | None = None, extra: dict | None = None
    ) -> tuple[int, bytes, list]:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        headers = {"Accept-Encoding": "gzip", "Accept-Language": "es", **(extra or {})}
        body = None
        if self.csrf and not extra:
            headers["Cookie"] = f"csrftoken={self.csrf}"
        if form is not None:
            fields = form if extra else {**form, "csrfmiddlewaretoken": self.csrf}
            body = urllib.parse.urlencode(fields, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.read(), response.getheaders()
        finally:
            connection.close()

    def fetch_csrf(self) -> None:
        _status, _body, headers = self.request("GET", "/es/complaint/")
        cookies = " ".join(value for name, value in headers if name.lower() == "set-cookie")
        match = re.search(r"csrftoken=([A-Za-z0-9]+)", cookies)
        if not match:
            raise SystemExit("no CSRF cookie from /es/complaint/")
        self.csrf = match.group(1)


def build(scenario: str, data: deque, counter: list[int], options=None):
    """Return a function that gives (method, path, form, expected statuses) for one request."""
    if scenario == "a0":
        return lambda: ("GET", "/es/bench/", None, {200})
    if scenario == "a1":

        def a1():
            counter[0] += 1
            return ("POST", "/es/bench/post/", {"name": f"row {counter[0]}", "number": counter[0] % 1000}, {302})

        return a1
    if scenario == "b":
        return lambda: ("GET", "/es/", None, {200})
    if scenario == "c":

        def c():
            token = data.popleft()
            return ("POST", f"/es/complaint/{token}/review/", {}, {302})

        return c
    if scenario == "d":
        receipts = list(data)

        def d():
            counter[0] += 1
            return ("POST", "/es/status/", {"receipt": receipts[counter[0] % len(receipts)]}, {200})

        return d
    if scenario == "e":
        from twilio.request_validator import RequestValidator

        validator = RequestValidator(options.twilio_token)
        url = f"{options.public_base}/twilio/sms/"

        def e():
            counter[0] += 1
            n = counter[0]
            # Many phones, each on its first messages: a burst of people starting to text.
            form = {"MessageSid": f"SMbench{n:026d}", "From": f"+1713555{n % 10000:04d}", "To": "+15550009999",
                    "Body": "Hola, necesito ayuda", "NumMedia": "0"}  # fmt: skip
            return ("POST", "/twilio/sms/", form, {200}, {"X-Twilio-Signature": validator.compute_signature(url, form)})

        return e
    if scenario == "get":
        # A signed-in page (bench/staff_queue.py): the session cookie is given, the path fixed.
        headers = {"Cookie": options.cookie} if options.cookie else {}
        return lambda: ("GET", options.path, None, {200}, headers)
    raise SystemExit(f"unknown scenario {scenario}")


def run(base: str, scenario: str, duration: float, warmup: float, concurrency: int, data_file: str | None,
        options=None) -> dict:  # fmt: skip
    client = Client(base)
    client.fetch_csrf()
    data = deque(open(data_file).read().split()) if data_file else deque()
    counter = [0]
    next_request = build(scenario, data, counter, options)
    lock = threading.Lock()
    latencies: list[float] = []
    errors: list[str] = []
    exhausted = threading.Event()
    start_at = time.monotonic() + 0.2
    record_from = start_at + warmup
    stop_at = record_from + duration

    def worker():
        while time.monotonic() < start_at:
            time.sleep(0.01)
        while not exhausted.is_set():
            now = time.monotonic()
            if now >= stop_at:
                return
            try:
                with lock:
                    method, path, form, expected, *extra = next_request()
            except IndexError:
                exhausted.set()
                return
            began = time.monotonic()
            try:
                status, _body, _headers = client.request(method, path, form, *extra)
                problem = None if status in expected else f"HTTP {status}"
            except OSError as exc:
                problem = type(exc).__name__
            took = time.monotonic() - began
            if began >= record_from:
                with lock:
                    latencies.append(took)
                    if problem:
                        errors.append(problem)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    measured = min(duration, max(0.001, time.monotonic() - record_from))
    return {
        "scenario": scenario,
        "requests": len(latencies),
        "errors": len(errors),
        "error_kinds": sorted(set(errors))[:5],
        "rps": round(len(latencies) / measured, 1),
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 2),
        "p95_ms": round(percentile(latencies, 0.95) * 1000, 2),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 2) if latencies else 0.0,
        "seconds": round(measured, 2),
        "ran_out_of_data": exhausted.is_set(),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--scenario", required=True)
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=2)
    parser.add_argument("--concurrency", type=int, default=6)
    parser.add_argument("--data")
    parser.add_argument("--twilio-token", default="")
    parser.add_argument("--public-base", default="")
    parser.add_argument("--path", default="/", help="scenario get: the page")
    parser.add_argument("--cookie", default="", help="scenario get: the Cookie header")
    args = parser.parse_args()
    print(json.dumps(run(args.base, args.scenario, args.duration, args.warmup, args.concurrency, args.data, args)))


if __name__ == "__main__":
    main()
