"""Shut a visitor's session down when Streamlit forgets it, so that what it held is freed.

When a visitor's page closes, Streamlit keeps their session for ``server.disconnectedSessionTTL``
seconds (two minutes by default) in case they come back, in a small time-limited cache. When the
time is up, or the cache is full, the cache drops the session without shutting it down
(streamlit/streamlit#12506). The session's uploaded files and the pictures the server had sent it
are kept in server-wide stores by the session's id, and only a shutdown removes them, so they stay
in memory for good (uploads alone may be 60 MB a photo).
:func:`shut_down_forgotten_sessions` gives the server a cache that shuts each session down as it
drops it, as Streamlit already does for sessions that cannot be resumed.
"""

from __future__ import annotations

from unittest.mock import NonCallableMock

from streamlit import runtime
from streamlit.runtime.caching.ttl_cache import TTLCache
from streamlit.runtime.memory_session_storage import MemorySessionStorage
from streamlit.runtime.session_manager import SessionInfo


class ShutDownWhenForgotten(TTLCache[str, SessionInfo]):
    """Streamlit's cache of disconnected sessions, by session id, shutting down each one it drops."""

    def expire(self, at_time: float | None = None) -> list[tuple[str, SessionInfo]]:
        expired = super().expire(at_time)
        for _, info in expired:
            info.session.shutdown()
        return expired

    def _evict_lru(self, reason) -> SessionInfo:
        info = super()._evict_lru(reason)
        info.session.shutdown()
        return info


def shut_down_forgotten_sessions() -> None:
    """Give this server's session storage a :class:`ShutDownWhenForgotten` cache (once; nothing
    without a server, as in Streamlit's AppTest, which puts a mock where the runtime would be)."""
    if not runtime.exists() or isinstance(runtime.get_instance(), NonCallableMock):
        return
    manager = runtime.get_instance()._session_mgr
    storage = getattr(manager, "_session_storage", None)
    if not isinstance(storage, MemorySessionStorage) or not hasattr(manager, "_storage_lock"):
        raise RuntimeError("Streamlit's session storage has changed: see ui/forgotten_sessions.py")
    with manager._storage_lock:
        kept = storage._cache
        if isinstance(kept, ShutDownWhenForgotten):
            return
        storage._cache = ShutDownWhenForgotten(maxsize=kept.maxsize, ttl=kept.ttl, timer=kept.timer)
        for session_id, info in kept.items():
            storage._cache[session_id] = info
