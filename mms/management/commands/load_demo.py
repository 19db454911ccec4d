"""``manage.py load_demo``: load the demo customer (safe to run again; it changes nothing the second time)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from assets.models import Area, Container, Counter, Material, Reading, Resource
from inventory.models import Part, Vendor
from mms.demo import DEMO_PASSWORD, DEMO_USERS, load_demo
from people.models import Employee


class Command(BaseCommand):
    help = "Load demo data: a water utility and a district clinic, with one login per role. Idempotent."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--logins-only", action="store_true", help="Only print the demo logins; load nothing.")
        parser.add_argument("--no-logins", action="store_true", help="Do not print the demo logins.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["logins_only"]:
            self.write_logins()
            return
        if not settings.DEBUG:
            self.stderr.write(
                self.style.WARNING(
                    "DEBUG is off: demo users have a published password; do not load them in production."
                )
            )
        counts = load_demo()
        self.stdout.write(
            self.style.SUCCESS(
                "Demo data: {created} created, {updated} updated, {unchanged} unchanged.".format(**counts)
            )
        )
        totals = [
            (Area.objects.sites().count(), "sites"),
            (Resource.objects.count(), "resources"),
            (Container.objects.count(), "containers"),
            (Material.objects.count(), "material lots"),
            (Counter.objects.count(), "counters"),
            (Reading.objects.count(), "readings"),
            (Employee.objects.count(), "employees"),
            (Part.objects.count(), "parts"),
            (Vendor.objects.count(), "vendors"),
        ]
        self.stdout.write("In the database: " + ", ".join(f"{count} {label}" for count, label in totals) + ".")
        if not options["no_logins"]:
            self.stdout.write("")
            self.write_logins()

    def write_logins(self) -> None:
        width = max(len(username) for username, _role in DEMO_USERS)
        role_width = max(len(role) for _username, role in DEMO_USERS)
        self.stdout.write("Demo logins:")
        self.stdout.write(f"  {'username':<{width}}  {'role':<{role_width}}  password")
        for username, role in DEMO_USERS:
            self.stdout.write(f"  {username:<{width}}  {role:<{role_width}}  {DEMO_PASSWORD}")
