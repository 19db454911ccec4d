"""The API's top-floor parts: token authentication (it reads people's role stamp) and the HTTP bench.

The building blocks every app's ``api.py`` uses live in ``core.api``.
"""
