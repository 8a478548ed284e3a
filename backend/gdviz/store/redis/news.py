"""The news channel every process listens to: a queued job (an idle worker looks at the cluster's
queue), a cancel and a live change (the process that trains the job acts on it)."""

import json
import threading
from collections.abc import Callable

import redis

from .claims import Claims
from .client import UNREACHABLE, Quiet
from .scripts import key


class News:
    """One thread per process hears the news and hands it on."""

    def __init__(
        self,
        r: redis.Redis,
        quiet: Quiet,
        claims: Claims,
        wake: Callable[[], None],
        stopping: threading.Event,
    ) -> None:
        self.r, self.quiet, self.claims, self.wake, self.stopping = r, quiet, claims, wake, stopping
        self._thread = threading.Thread(target=self._listen, name="gdviz-redis-news", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)

    def _listen(self) -> None:
        while not self.stopping.is_set():
            try:
                with self.r.pubsub(ignore_subscribe_messages=True) as news:  # type: ignore[no-untyped-call]
                    news.subscribe(key("news"))
                    self.wake()  # news may have been missed meanwhile
                    self.quiet.ok("hearing news")
                    while not self.stopping.is_set():
                        message = news.get_message(timeout=1.0)
                        if message is not None:
                            self._hear(message["data"])
            except UNREACHABLE as exc:
                self.quiet.warn("hearing news", exc)
                self.stopping.wait(0.5)

    def _hear(self, news: str) -> None:
        kind, _, rest = news.partition(" ")
        if kind == "queued":
            self.wake()
        elif kind == "cancel":
            self.claims.stop(rest)
        elif kind == "change":
            asked = json.loads(rest)
            self.claims.change(asked["job"], asked["ask"], asked["values"])
