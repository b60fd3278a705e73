"""pytest collects the doctests of bench/ too, importing each module: not bench/load.py, whose
``import locust`` patches the standard library with gevent, which would change every test after it."""

collect_ignore = ["load.py"]
