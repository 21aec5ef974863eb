"""The staff queue benchmark's steps inside Django (bench/staff_queue.py runs them):

manage.py bench_queue prepare   # staff, a verified session, what the seed SQL needs (JSON)
manage.py bench_queue probe     # a deep page's cursor, and EXPLAIN ANALYZE of each view (JSON)
"""

import json
import time

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_backends
from django.contrib.sessions.backends.db import SessionStore
from django.core.management.base import BaseCommand
from django.db import connection
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import roles
from accounts.middleware import LAST_SEEN_KEY
from accounts.models import User
from accounts.services import user_create
from cases import selectors
from cases.forms import PAGE_SIZE, cursor_encode
from intake.models import Complaint, FieldOffice
from privacy.crypto import encrypt

NARRATIVE = "Llegaron a la casa a las 6 de la mañana, empujaron la puerta y no mostraron ninguna orden."


class Command(BaseCommand):
    help = "Steps of the staff queue benchmark (bench/staff_queue.py)."

    def add_arguments(self, parser):
        parser.add_argument("step", choices=["prepare", "probe"])
        parser.add_argument("--office", default="HOU")

    def handle(self, *args, step, office, **options):
        output = self.prepare(office) if step == "prepare" else self.probe(office)
        self.stdout.write(json.dumps(output))

    def prepare(self, office: str) -> dict:
        supervisor = user_create(username="bench-sara", email="sara@bench.invalid", password=None,
                                 role=roles.SUPERVISOR)  # fmt: skip
        liaisons = [
            user_create(username=f"bench-liaison-{n}", email=f"l{n}@bench.invalid", password=None, role=roles.LIAISON)
            for n in range(5)
        ]
        device = TOTPDevice.objects.create(user=supervisor, name="phone", confirmed=True)
        backend = get_backends()[0]
        session = SessionStore()
        session[SESSION_KEY] = str(supervisor.pk)
        session[BACKEND_SESSION_KEY] = f"{backend.__module__}.{backend.__class__.__name__}"
        session[HASH_SESSION_KEY] = supervisor.get_session_auth_hash()
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session[LAST_SEEN_KEY] = int(time.time())
        session.create()
        return {
            "session": session.session_key,
            "assignees": [supervisor.pk, *[user.pk for user in liaisons]],
            "offices": list(FieldOffice.objects.order_by("pk").values_list("pk", flat=True)),
            "office": FieldOffice.objects.get(code=office).pk,
            # Every row carries the same encrypted narrative: the queue must never decrypt it.
            "narrative": encrypt(NARRATIVE),
        }

    def probe(self, office: str) -> dict:
        """A cursor halfway down the open complaints, and the plan of each view's query."""
        open_complaints = Complaint.objects.exclude(status="closed").order_by("queue_rank", "created_at", "id")
        total = open_complaints.count()
        middle = open_complaints.only("id", "queue_rank", "created_at")[total // 2]
        key = selectors.queue_key(middle)
        user = User.objects.get(username="bench-sara")
        office_id = FieldOffice.objects.get(code=office).pk
        views = {
            "first": (selectors.QueueFilters(), None),
            "deep": (selectors.QueueFilters(), key),
            "office": (selectors.QueueFilters(field_office=office_id), None),
            "overdue": (selectors.QueueFilters(overdue=True), None),
        }
        plans = {}
        for name, (filters, after) in views.items():
            rows = selectors.queue_rows(filters, user=user, after=after, limit=PAGE_SIZE + 1, now=timezone.now())
            sql, params = rows.query.sql_with_params()
            with connection.cursor() as cursor:
                for _warm_then_measured in range(2):
                    cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
                    plans[name] = "\n".join(line for (line,) in cursor.fetchall())
        return {"open": total, "deep_cursor": cursor_encode(key), "plans": plans}
