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
from typing import Any, Hashable


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
