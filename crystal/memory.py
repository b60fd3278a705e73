"""A small least-recently-used memory that Streamlit's session threads can share, bounded in bytes.

For results that every visitor of a server should reuse but that are too big for ``st.cache_data``
(which pickles a copy on every hit): decoded photos, VGG16's maps of the last few images, the
crystal model's predictions. Values are handed out as they are, not copied, so callers treat them
as read-only. A count of entries is no bound on a shared server (one 40-megapixel photo is 120 MB),
so the memory also keeps the bytes its values hold under ``max_bytes``, counting NumPy arrays
inside dataclasses, tuples, lists and dicts (:func:`size_of`).

>>> recent = Recent(size=2)
>>> recent.put("a", 1); recent.put("b", 2); recent.put("c", 3)
>>> recent.get("a") is None, recent.get("c")
(True, 3)
>>> big = Recent(size=10, max_bytes=1000)
>>> big.put("x", np.zeros(100)); big.put("y", np.zeros(100)); "x" in big, "y" in big
(False, True)
"""

from __future__ import annotations

import dataclasses
import sys
import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any, Generic, NamedTuple, TypeVar

import numpy as np

Value = TypeVar("Value")


class MemoryInfo(NamedTuple):
    """Like :func:`functools.lru_cache`'s cache_info: a miss is a ``get`` that found nothing."""

    hits: int
    misses: int
    maxsize: int
    currsize: int
    bytes: int = 0


def size_of(value: Any, depth: int = 0) -> int:
    """The bytes a value holds, its NumPy arrays counted in full (approximately, for the rest).

    >>> size_of(np.zeros((10, 10))) >= 800, size_of({"a": (np.zeros(4, np.uint8), "text")}) > 4
    (True, True)
    """
    if isinstance(value, np.ndarray):
        return value.nbytes
    if depth > 4:
        return sys.getsizeof(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return sum(size_of(getattr(value, f.name), depth + 1) for f in dataclasses.fields(value))
    if isinstance(value, dict):
        return sum(size_of(v, depth + 1) for v in value.values())
    if isinstance(value, (list, tuple)):
        return sum(size_of(v, depth + 1) for v in value)
    return sys.getsizeof(value)


class Recent(Generic[Value]):
    """The last ``size`` values put, by key, holding at most ``max_bytes`` together; the least
    recently used one goes first. A value larger than ``max_bytes`` on its own is not kept."""

    def __init__(self, size: int, max_bytes: int | None = None):
        self.size, self.max_bytes = size, max_bytes
        self._kept: OrderedDict[Hashable, tuple[Value, int]] = OrderedDict()
        self._bytes = 0
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
            return self._kept[key][0]

    def put(self, key: Hashable, value: Value) -> None:
        nbytes = size_of(value) if self.max_bytes is not None else 0
        with self._lock:
            if key in self._kept:
                self._bytes -= self._kept.pop(key)[1]
            if self.max_bytes is not None and nbytes > self.max_bytes:
                return
            self._kept[key] = (value, nbytes)
            self._bytes += nbytes
            while len(self._kept) > self.size or (self.max_bytes is not None and self._bytes > self.max_bytes):
                self._bytes -= self._kept.popitem(last=False)[1][1]

    def info(self) -> MemoryInfo:
        with self._lock:
            return MemoryInfo(self._hits, self._misses, self.size, len(self._kept), self._bytes)

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()
            self._bytes = 0
            self._hits = self._misses = 0
