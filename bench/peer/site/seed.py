"""Seed N tickets (each with one follow-up) for the read benchmarks, via the ORM.

Usage: python seed.py N IDS_FILE
Tops the bench queue up to exactly N tickets (creating only what is missing) and
writes the ids of the queue's tickets, one per line, to IDS_FILE.
Reads are measured over HTTP; only the seeding bypasses the API.
"""
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchsite.settings")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import django  # noqa: E402

django.setup()

from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from helpdesk.models import FollowUp, Queue, Ticket  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402

n = int(sys.argv[1])
ids_file = sys.argv[2]
queue = Queue.objects.get(slug="bench")
user = get_user_model().objects.get(username="bench")
have = Ticket.objects.filter(queue=queue).count()
if have > n:
    # Remove the newest extra tickets so reads run at exactly N.
    extra = list(Ticket.objects.filter(queue=queue).order_by("-id").values_list("id", flat=True)[: have - n])
    Ticket.objects.filter(id__in=extra).delete()
missing = max(0, n - have)
BATCH = 2000
now = timezone.now()
with transaction.atomic():
    done = 0
    while done < missing:
        size = min(BATCH, missing - done)
        tickets = [
            Ticket(
                queue=queue,
                title=f"Seed {have + done + i}",
                description=f"Hello, seeded message from customer {(have + done + i) % 1000}",
                submitter_email=f"customer-{(have + done + i) % 1000}@bench.example",
                priority=3,
            )
            for i in range(size)
        ]
        Ticket.objects.bulk_create(tickets)
        created = list(Ticket.objects.filter(queue=queue).order_by("-id")[:size])
        FollowUp.objects.bulk_create(
            [
                FollowUp(ticket=t, title=t.title, comment="Seeded follow-up", public=True, user=user, date=now)
                for t in created
            ]
        )
        done += size
ids = list(Ticket.objects.filter(queue=queue).order_by("id").values_list("id", flat=True))
with open(ids_file, "w") as f:
    f.write("".join(f"{i}\n" for i in ids))
print(f"tickets={len(ids)} ids_file={ids_file}", file=sys.stderr)
print(ids_file)
