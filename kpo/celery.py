import os

from celery import Celery
from kombu.exceptions import OperationalError as KombuOperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kpo.settings")

app = Celery("kpo")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# What sending a message raises while the broker is down or unreachable.
BROKER_ERRORS = (KombuOperationalError, ConnectionError, OSError)
