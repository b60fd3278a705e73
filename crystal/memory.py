"""A small least-recently-used memory that Streamlit's session threads can share.

For results that every visitor of a server should reuse but that are too big for ``st.cache_data``
(which pickles a copy on every hit): VGG16's maps of the last few images, the crystal model's
predictions. Values are handed out as they are, not copied, so callers treat them as read-only.

>>> recent = Recent(size=2)
>>> recent.put("a", 1); recent.put("b", 2); recent.put("c", 3)
>>> recent.get("a") is None, recent.get("c")
(True, 3)
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, NamedTuple, TypeVar

Value = TypeVar("Value")


class MemoryInfo(NamedTuple):
    """Like :func:`functools.lru_cache`'s cache_info: a miss is a ``get`` that found nothing."""

    hits: int
    misses: int
    maxsize: int
    currsize: int


class Recent(Generic[Value]):
    """The last ``size`` values put, by key; the least recently used one goes first."""

    def __init__(self, size: int):
        self.size = size
        self._kept: OrderedDict[Hashable, Value] = OrderedDict()
        self._lock = threading.Lock()
        self._hits = self._misses = 0

    def __contains__(self, key: Hashable) -> bool:
        """Whether ``key`` is kept (without counting a hit or a miss)."""
        with self._lock:
            return key in self._kept

    def get(self, key: Hashable) -> Value | None:
        with self._lock:
            if key not in self._kept:
                self._misses += 1
                return None
            self._hits += 1
            self._kept.move_to_end(key)
            return self._kept[key]

    def put(self, key: Hashable, value: Value) -> None:
        with self._lock:
            self._kept[key] = value
            self._kept.move_to_end(key)
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)

    def info(self) -> MemoryInfo:
        with self._lock:
            return MemoryInfo(self._hits, self._misses, self.size, len(self._kept))

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()
            self._hits = self._misses = 0
