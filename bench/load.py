"""A small load generator: a fixed number of requests from a fixed number of threads, loopback only."""

import http.client
import threading
import time
from dataclasses import dataclass


@dataclass
class Round:
    requests: int
    seconds: float
    latencies: list[float]
    errors: int

    @property
    def requests_per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def run_round(port: int, path: str, *, requests: int, concurrency: int, headers: dict[str, str]) -> Round:
    """Send `requests` GETs to 127.0.0.1:`port` from `concurrency` threads; every response must be a 200."""
    remaining = [requests]
    lock = threading.Lock()
    latencies: list[float] = []
    errors = [0]

    def worker() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                if remaining[0] <= 0:
                    break
                remaining[0] -= 1
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                connection.close()
                ok = False
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                if not ok:
                    errors[0] += 1
        connection.close()

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Round(
        requests=requests, seconds=time.perf_counter() - started, latencies=latencies, errors=errors[0]
    )


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    position = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[position]
