"""After each run of a page, Streamlit's housekeeping stays light (ui/light_reruns.py and the
server settings in .streamlit/config.toml): nothing that holds Python's lock for long."""

import gc
import sys
import tomllib
import types

import keras
import pytest

from ui import crystal_check, feature_maps
from ui.server import light_reruns

from .conftest import ROOT, app_page


def walked_by_the_collector(thing) -> bool:
    """Whether a full garbage collection would walk ``thing`` (frozen objects are left out)."""
    return any(candidate is thing for candidate in gc.get_objects())


def test_a_page_run_does_not_clear_the_keras_session(monkeypatch):
    cleared = []
    monkeypatch.setattr(keras.backend, "clear_session", lambda *args, **kwargs: cleared.append(args))
    page = app_page("pages/1_Convolution_and_pooling.py").run()
    assert not page.exception, page.exception
    page.number_input(key="conv_padding").set_value(2).run()
    assert not page.exception and cleared == []


@pytest.mark.parametrize("loader, arguments", [(crystal_check.model, ()), (feature_maps.extractor, ("hed",))])
def test_a_loaded_model_is_left_out_of_full_collections(loader, arguments):
    loader.clear()
    gc.unfreeze()
    model = loader(*arguments)
    assert not isinstance(model, str), model
    assert gc.get_freeze_count() > 0 and not walked_by_the_collector(model)


def test_a_run_that_imported_a_module_freezes_what_it_loaded(monkeypatch):
    gc.unfreeze()
    light_reruns._cleanup_after_a_run()  # sys.modules as it is now: counted
    module = types.ModuleType("freshly_imported")
    module.table = {"kernel": [1.0, 2.0]}
    monkeypatch.setitem(sys.modules, module.__name__, module)
    assert walked_by_the_collector(module.table)
    light_reruns._cleanup_after_a_run()
    assert not walked_by_the_collector(module.table)
    after_a_run_without_imports = {"still": ["walked"]}
    light_reruns._cleanup_after_a_run()
    assert walked_by_the_collector(after_a_run_without_imports)


def test_the_server_skips_the_full_collection_after_each_run_and_the_source_watch():
    settings = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert settings["runner"]["postScriptGC"] is False
    assert settings["server"]["fileWatcherType"] == "none"


def test_the_pinned_streamlit_gets_the_lighter_clean_up_and_another_one_starts_without_it(monkeypatch, caplog):
    from streamlit.runtime.scriptrunner import script_runner

    assert script_runner._clean_problem_modules is light_reruns._cleanup_after_a_run  # applied when ui was imported
    monkeypatch.delattr(script_runner, "_clean_problem_modules")  # a Streamlit that moved it
    with caplog.at_level("WARNING"):
        assert light_reruns.lighten_the_cleanup_after_each_run() is False
    assert len(caplog.records) == 1 and "clear Keras' session" in caplog.text
