"""After each run of a page, Streamlit's housekeeping stays light (ui/light_reruns.py and the
server settings in .streamlit/config.toml): nothing that holds Python's lock for long."""
import tomllib

import keras

from .conftest import ROOT, app_page


def test_a_page_run_does_not_clear_the_keras_session(monkeypatch):
    cleared = []
    monkeypatch.setattr(keras.backend, "clear_session", lambda *args, **kwargs: cleared.append(args))
    page = app_page("pages/1_Convolution_and_pooling.py").run()
    assert not page.exception, page.exception
    page.sidebar.number_input(key="conv_padding").set_value(2).run()
    assert not page.exception and cleared == []


def test_the_server_skips_the_full_garbage_collection_and_the_source_watch():
    settings = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert settings["runner"]["postScriptGC"] is False
    assert settings["server"]["fileWatcherType"] == "none"

