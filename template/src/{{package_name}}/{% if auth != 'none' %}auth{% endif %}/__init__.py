"""Who is calling: credentials checked against the settings, turned into a `Principal`.

The checks here know nothing of HTTP; `api/authentication.py` reads the headers, asks the
authenticator and answers 401, 403 or 503 as problem documents.
"""
