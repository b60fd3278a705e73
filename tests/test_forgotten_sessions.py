"""A disconnected session that Streamlit's server forgets is shut down (ui/forgotten_sessions.py),
so its uploads and pictures leave memory; one that is resumed is not."""

from types import SimpleNamespace

from streamlit.runtime.memory_session_storage import MemorySessionStorage

from ui.server.forgotten_sessions import ShutDownWhenForgotten


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def session_info(name: str, shut: list[str]) -> SimpleNamespace:
    return SimpleNamespace(session=SimpleNamespace(id=name, shutdown=lambda: shut.append(name)))


def test_a_session_kept_past_its_time_is_shut_down_when_the_next_one_is_stored():
    clock, shut = Clock(), []
    cache = ShutDownWhenForgotten(maxsize=128, ttl=120, timer=clock)
    cache["a"] = session_info("a", shut)
    clock.now = 119
    cache["b"] = session_info("b", shut)
    assert shut == []
    clock.now = 121
    cache["c"] = session_info("c", shut)
    assert shut == ["a"] and "a" not in cache and "b" in cache


def test_a_session_pushed_out_of_a_full_store_is_shut_down():
    shut = []
    cache = ShutDownWhenForgotten(maxsize=2, ttl=120, timer=Clock())
    for name in "abc":
        cache[name] = session_info(name, shut)
    assert shut == ["a"] and set(cache) == {"b", "c"}


def test_a_resumed_session_is_taken_out_without_a_shutdown():
    shut = []
    storage = MemorySessionStorage(maxsize=128, ttl_seconds=120)
    storage._cache = ShutDownWhenForgotten(maxsize=128, ttl=120, timer=Clock())
    info = session_info("a", shut)
    storage.save(info)
    assert storage.get("a") is info
    storage.delete("a")  # what Streamlit does when the visitor's page reconnects
    assert shut == [] and storage.list() == []


def test_the_server_gets_the_shutting_down_store_once_keeping_the_sessions_it_had(monkeypatch):
    from streamlit import runtime
    from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.runtime.websocket_session_manager import WebsocketSessionManager

    from ui.server.forgotten_sessions import shut_down_forgotten_sessions

    storage = MemorySessionStorage(maxsize=128, ttl_seconds=120)
    manager = WebsocketSessionManager(storage, MemoryUploadedFileManager("/upload"), ScriptCache(), None)
    monkeypatch.setattr(runtime, "exists", lambda: True)
    monkeypatch.setattr(runtime, "get_instance", lambda: SimpleNamespace(_session_mgr=manager))
    waiting = session_info("waiting", [])
    storage.save(waiting)
    shut_down_forgotten_sessions()
    cache = storage._cache
    assert isinstance(cache, ShutDownWhenForgotten) and (cache.maxsize, cache.ttl) == (128, 120)
    assert storage.get("waiting") is waiting
    shut_down_forgotten_sessions()
    assert storage._cache is cache


def test_nothing_to_do_and_no_error_in_apptest_whose_runtime_is_a_stand_in():
    """AppTest (the page tests, ``python -m bench pages``) puts a mock where the server's runtime
    would be; a page that is the first to import ``ui`` there must still run."""
    from streamlit.testing.v1 import AppTest

    def script():
        from ui.server.forgotten_sessions import shut_down_forgotten_sessions

        shut_down_forgotten_sessions()

    page = AppTest.from_function(script).run()
    assert not page.exception, page.exception


def test_a_streamlit_that_keeps_sessions_otherwise_starts_the_app_all_the_same_with_one_warning(monkeypatch, caplog):
    from streamlit import runtime

    from ui.server.forgotten_sessions import shut_down_forgotten_sessions

    elsewhere = SimpleNamespace(_session_storage={"a": "dict, not Streamlit's storage"}, _storage_lock=None)
    monkeypatch.setattr(runtime, "exists", lambda: True)
    monkeypatch.setattr(runtime, "get_instance", lambda: SimpleNamespace(_session_mgr=elsewhere))
    with caplog.at_level("WARNING"):
        assert shut_down_forgotten_sessions() is False
    assert len(caplog.records) == 1 and "keep their uploads in memory" in caplog.text
