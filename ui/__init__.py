"""Streamlit-side helpers shared by the pages; everything computational lives in ``crystal/``."""
