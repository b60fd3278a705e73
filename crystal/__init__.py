"""The UI-free core of the CNN explainer and crystal checker.

Everything here is importable and testable without Streamlit; the pages in ``pages/`` only wire
widgets to these functions.
"""
