"""Streamlit-side helpers shared by the pages; everything computational lives in ``crystal/``.

Every page imports this package, so importing it is where the server is set up, once per process:
see :mod:`ui.server.light_reruns`, :mod:`ui.server.forgotten_sessions` and :mod:`ui.server.large_blocks`.
"""

from ui.server.forgotten_sessions import shut_down_forgotten_sessions
from ui.server.large_blocks import return_large_blocks_at_once
from ui.server.light_reruns import hand_the_lock_over_sooner, lighten_the_cleanup_after_each_run

lighten_the_cleanup_after_each_run()
hand_the_lock_over_sooner()
shut_down_forgotten_sessions()
return_large_blocks_at_once()
