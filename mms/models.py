"""Technical records of the running system (no business data lives in the project package)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Heartbeat(models.Model):
    """The last time a Celery worker ran the periodic heartbeat task sent by beat.

    One row per name; ``/healthz`` reports it, so a stale row means beat or the worker is down.
    """

    name = models.CharField(_("name"), max_length=50, unique=True)
    beat_at = models.DateTimeField(_("last beat at"))
    worker = models.CharField(_("worker"), max_length=200, blank=True)
    count = models.PositiveBigIntegerField(_("beats"), default=0)

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self) -> str:
        return f"{self.name} @ {self.beat_at:%Y-%m-%d %H:%M:%S}"
