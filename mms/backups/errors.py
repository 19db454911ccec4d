"""The one error every backup and restore step raises, with a message meant for the operator."""

from __future__ import annotations


class BackupError(Exception):
    """A backup could not be written, or an archive cannot be (or was not) restored faithfully.

    The message says what was found and what to do; ``manage.py backup``/``restore`` print it as is.
    """
