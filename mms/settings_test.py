"""Settings for the test suite: the real settings, with an in-process broker unless CI gives Redis."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-used-anywhere-else-0123456789abcdef")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("ALLOWED_HOSTS", "localhost,127.0.0.1,testserver")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("CELERY_BROKER_URL", os.environ.get("REDIS_URL") or "memory://")
os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="mms-test-media-"))
os.environ.setdefault("STATIC_ROOT", tempfile.mkdtemp(prefix="mms-test-static-"))

from mms.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# Django's test client logs in without a request (``client.login``), which axes' backend refuses; this
# one checks lockouts exactly as axes does whenever there is a request (see core.testing).
AUTHENTICATION_BACKENDS = ["core.testing.AxesTestClientBackend", "django.contrib.auth.backends.ModelBackend"]
