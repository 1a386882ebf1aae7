"""A bounded, thread-safe memo of the endpoint's answers (least recently used first out).

Sound because the graph is read-only while the server runs: the same request (query text,
negotiated Accept, dataset, ``$name=value`` bindings) gives the same bytes every time. Only
successful answers (200) are kept; a refusal, an error or a time-out is always computed afresh.
The memo is bounded by the bytes of the answers it holds (plus their query texts): an answer
larger than an eighth of the bound is never kept, and the least recently used answers are
dropped first to make room.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Callable, Hashable


class AnswerCache:
    """``get(key)`` / ``put(key, reply, size)``; ``max_bytes`` 0 keeps nothing."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max(0, int(max_bytes))
        self._items: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._lock = threading.Lock()
        self.bytes = 0
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: Hashable) -> Any | None:
        if not self.max_bytes:
            return None
        with self._lock:
            item = self._items.get(key)
            if item is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return item[0]

    def put(self, key: Hashable, value: Any, size: int) -> bool:
        """Keep ``value`` (``size`` bytes) under ``key``; False if it is too large to keep."""
        if size > self.max_bytes // 8:
            return False
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.bytes -= old[1]
            while self._items and self.bytes + size > self.max_bytes:
                _, (_, dropped) = self._items.popitem(last=False)
                self.bytes -= dropped
            self._items[key] = (value, size)
            self.bytes += size
        return True


class InFlight:
    """Identical requests in flight merged into one evaluation (what a caching proxy calls
    "request collapsing"): while a request is being evaluated, the same request (the answer
    cache's key) arriving meanwhile waits for that evaluation and gets its reply, instead of
    queueing for a worker of its own. Sound for the same reason as the answer cache (the graph is
    read-only while serving); independent of it (it keeps nothing once the reply is out, so it
    also works with the cache off). ``merged`` counts the requests answered by another's
    evaluation."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: dict[Hashable, _Call] = {}
        self.merged = 0

    def waiting(self, key: Hashable) -> int:
        """How many requests wait for the evaluation of ``key`` now (0 when none runs)."""
        with self._lock:
            call = self._calls.get(key)
            return call.waiters if call is not None else 0

    def run(self, key: Hashable, evaluate: Callable[[], Any], failed: Any) -> Any:
        """``evaluate()``'s reply, computed once for every caller with the same ``key`` at the same
        time; ``failed`` is the reply the others get if it raised (it is re-raised for its caller)."""
        with self._lock:
            call = self._calls.get(key)
            leader = call is None
            if leader:
                call = self._calls[key] = _Call(failed)
            else:
                call.waiters += 1
                self.merged += 1
        if not leader:
            call.done.wait()
            return call.reply
        try:
            call.reply = evaluate()
            return call.reply
        finally:
            with self._lock:
                del self._calls[key]
            call.done.set()


class _Call:
    def __init__(self, reply: Any) -> None:
        self.reply = reply
        self.waiters = 0
        self.done = threading.Event()
