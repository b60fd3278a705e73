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

import logging

from streamlit import runtime
from streamlit.runtime.caching.ttl_cache import TTLCache
from streamlit.runtime.memory_session_storage import MemorySessionStorage
from streamlit.runtime.session_manager import SessionInfo

_LOG = logging.getLogger(__name__)


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


def shut_down_forgotten_sessions() -> bool:
    """Give this server's session storage a :class:`ShutDownWhenForgotten` cache, once; whether it
    has one. Nothing without a server (Streamlit's AppTest puts a stand-in without a session manager
    where the runtime would be). When Streamlit's storage is not what this expects (a new Streamlit
    may keep it otherwise), the server goes on without it, and says so once in its log."""
    manager = getattr(runtime.get_instance(), "_session_mgr", None) if runtime.exists() else None
    if manager is None:
        return False
    storage, lock = getattr(manager, "_session_storage", None), getattr(manager, "_storage_lock", None)
    if not isinstance(storage, MemorySessionStorage) or lock is None or not isinstance(storage._cache, TTLCache):
        _LOG.warning(
            "Streamlit's session storage is not what ui/server/forgotten_sessions.py expects: sessions "
            "Streamlit forgets keep their uploads in memory until the server restarts."
        )
        return False
    with lock:
        kept = storage._cache
        if not isinstance(kept, ShutDownWhenForgotten):
            storage._cache = ShutDownWhenForgotten(maxsize=kept.maxsize, ttl=kept.ttl, timer=kept.timer)
            for session_id, info in kept.items():
                storage._cache[session_id] = info
    return True
