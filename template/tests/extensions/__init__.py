"""Your tests: Copier creates this package once and never writes to it again.

Put test modules and a `conftest.py` of your own here; the fixtures of `tests/conftest.py`
(`settings`, `app`, `client`, ...) are available to them.
"""
