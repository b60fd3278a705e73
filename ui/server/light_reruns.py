"""Keep Streamlit's housekeeping after each run of a page from stalling every other visitor.

After every run of every page, Streamlit does three things that, with TensorFlow loaded, each held
Python's interpreter lock for a tenth of a second or more, so with thirty visitors every rerun of
the playground waited seconds behind other visitors' housekeeping:

- ``keras.backend.clear_session()``, meant for scripts that build a new model at each run (here the
  big models are built once per server, ``st.cache_resource``): a full garbage collection plus
  TensorFlow's kernel cache. :func:`lighten_the_cleanup_after_each_run` makes Streamlit skip it.
- A full garbage collection (``runner.postScriptGC``), turned off in ``.streamlit/config.toml``.
  A full collection walks every object Python tracks: with TensorFlow and the models loaded, about
  430,000 objects and 150 ms. Python's own collector still runs full collections now and then, to
  give back what runs left in reference cycles (pictures, a photo's arrays); those would have the
  same cost, and, put off by that many long-lived objects, come seldom. :func:`freeze_what_is_loaded`,
  called after a run that imported modules and after each model is loaded, moves the objects alive
  then where the collector never walks (they are still freed as usual when nothing refers to them),
  so a full collection walks only what runs made since: it takes about a millisecond, and Python
  runs one far more often.
- A walk over every imported module for changed source, turned off in ``.streamlit/config.toml``
  (``server.fileWatcherType``).

``docs/serving-a-class.md`` and ``docs/performance.md`` have the measurements.
"""

from __future__ import annotations

import gc
import logging
import sys

from streamlit.runtime.scriptrunner import script_runner

SWITCH_INTERVAL = 0.0005
_LOG = logging.getLogger(__name__)
_modules_when_frozen = 0


def lighten_the_cleanup_after_each_run() -> bool:
    """Make this server's Streamlit run :func:`_cleanup_after_a_run` after each run instead of its
    own clean-up (which clears the Keras session); whether it could. When Streamlit no longer has
    that clean-up where this expects it, the server goes on with Streamlit's own, and says so once
    in its log."""
    if not callable(getattr(script_runner, "_clean_problem_modules", None)):
        _LOG.warning(
            "Streamlit's clean-up after each run is not where ui/server/light_reruns.py expects it: every "
            "run of every page will clear Keras' session, and pages will wait for each other longer."
        )
        return False
    script_runner._clean_problem_modules = _cleanup_after_a_run
    return True


def _cleanup_after_a_run() -> None:
    """Streamlit's own clean-up, without Keras' ``clear_session``; and after a run that imported
    modules (a page's first run on this server), :func:`freeze_what_is_loaded`."""
    global _modules_when_frozen
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
    if len(sys.modules) != _modules_when_frozen:
        _modules_when_frozen = len(sys.modules)
        freeze_what_is_loaded()


def freeze_what_is_loaded() -> None:
    """Collect the garbage there is, then keep every object alive now out of later full collections
    (:func:`gc.freeze`): call it after loading something big that lives as long as the server."""
    gc.collect()
    gc.freeze()


def hand_the_lock_over_sooner() -> None:
    """Make a thread that holds Python's lock hand it to a waiting one after 0.5 ms, not 5 ms."""
    sys.setswitchinterval(SWITCH_INTERVAL)
