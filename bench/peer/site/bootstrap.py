"""Idempotent bootstrap of the django-helpdesk peer: staff superuser, DRF token, queue.

Run after `manage.py migrate`:  python bootstrap.py
Prints two lines to stdout: `token=<hex>` and `queue_id=<n>`.
"""
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchsite.settings")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from helpdesk.models import Queue  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

User = get_user_model()
user, created = User.objects.get_or_create(
    username="bench",
    defaults={"email": "bench@bench.example", "is_staff": True, "is_superuser": True},
)
if created:
    user.set_password("bench")
    user.save()
elif not (user.is_staff and user.is_superuser):
    user.is_staff = user.is_superuser = True
    user.save()

token, _ = Token.objects.get_or_create(user=user)
queue, _ = Queue.objects.get_or_create(
    slug="bench",
    defaults={"title": "Bench", "allow_public_submission": False, "allow_email_submission": False},
)
print(f"token={token.key}")
print(f"queue_id={queue.id}")
