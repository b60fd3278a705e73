"""Keep Streamlit's housekeeping after each run of a page from stalling every other visitor.

After every run of every page, Streamlit calls ``keras.backend.clear_session()`` whenever Keras is
imported. That is meant for scripts that build a new model at each run; here the big models are
built once per server (``st.cache_resource``). In this app the call costs about 0.1 s of a full
garbage collection plus TensorFlow's kernel cache, all of it holding Python's interpreter lock, so
with thirty visitors every rerun of the playground waited seconds behind other visitors'
housekeeping. :func:`skip_keras_clear_session` makes Streamlit skip that one call; the settings in
``.streamlit/config.toml`` turn off the two other costs of the same kind (the full garbage
collection after each run, ``runner.postScriptGC``, and the watch over every imported module for
changed source, ``server.fileWatcherType``). Python's own garbage collector still frees what a run
left behind. The README's section "A whole class at once" has the measurements.
"""
from __future__ import annotations

import sys

from streamlit.runtime.scriptrunner import script_runner

SWITCH_INTERVAL = 0.0005


def _clean_problem_modules_except_keras() -> None:
    """Streamlit's own clean-up after a run, without Keras' ``clear_session``."""
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


def hand_the_lock_over_sooner() -> None:
    """Make a thread that holds Python's lock hand it to a waiting one after 0.5 ms, not 5 ms."""
    sys.setswitchinterval(SWITCH_INTERVAL)


def skip_keras_clear_session() -> None:
    """Make this server's Streamlit skip ``keras.backend.clear_session()`` after each run."""
    if not hasattr(script_runner, "_clean_problem_modules"):
        raise RuntimeError("Streamlit no longer has script_runner._clean_problem_modules: see ui/light_reruns.py")
    script_runner._clean_problem_modules = _clean_problem_modules_except_keras
