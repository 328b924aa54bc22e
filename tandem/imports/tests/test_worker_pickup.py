"""Issue 7: an import waited 3–8 s at "Queued" on an idle worker, because Huey's consumer backs off its
polling up to 10 s between looks at an empty queue. The consumer options in settings cap that wait."""

import threading
import time

from django.conf import settings
from huey import SqliteHuey
from huey.consumer import Consumer

# Long enough for Huey's default back-off (0.1 s x 1.15 per empty look, up to 10 s) to pass 1 s between looks.
IDLE_SECONDS = 7.5


def test_a_job_enqueued_on_an_idle_worker_is_picked_up_within_a_second(tmp_path):
    huey = SqliteHuey("pickup-test", filename=str(tmp_path / "huey.sqlite3"))
    picked_up = threading.Event()
    picked_at: list[float] = []

    @huey.task()
    def job():
        picked_at.append(time.monotonic())
        picked_up.set()

    options = {name: value for name, value in settings.HUEY["consumer"].items() if name != "workers"}
    consumer = Consumer(huey, workers=1, periodic=False, **options)
    worker, thread = consumer.worker_threads[0]
    thread.start()
    try:
        time.sleep(IDLE_SECONDS)
        enqueued_at = time.monotonic()
        job()
        assert picked_up.wait(timeout=15)
    finally:
        consumer.stop_flag.set()
        thread.join(timeout=15)

    waited = picked_at[0] - enqueued_at
    assert waited < 1.0, f"picked up after {waited:.2f} s"
    assert worker.max_delay <= 0.5
