import datetime as dt

from django.core.management.base import BaseCommand
from django.db import IntegrityError, transaction
from django.utils import timezone

from workflow.choices import State
from workflow.models import RecordState, ReminderSent
from workflow.notifications import reminder_messages, send_reminders

WINDOWS = {"7d": 7, "1d": 1}


class Command(BaseCommand):
    help = "Email reminders 7 days and 1 day before each deadline. Daily; idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--today", type=dt.date.fromisoformat, default=None)

    def handle(self, *args, **options):
        today = options["today"] or timezone.localdate()
        sent = 0
        for kind, days in WINDOWS.items():
            due = today + dt.timedelta(days=days)
            records = (
                RecordState.objects.filter(deadline__gt=today, deadline__lte=due)
                .exclude(state__in=[State.SIGNED, State.PUBLISHED])
                .select_related("page", "author__user", "school", "group__leader__user")
            )
            # Its type's milestone (approval, or the digital signature) not reached yet.
            pending = [r for r in records if r.rules.milestone.reached_at(r) is None]
            for record in pending:
                try:
                    with transaction.atomic():
                        ReminderSent.objects.create(record=record, kind=kind, sent_on=today)
                except IntegrityError:
                    continue  # already reminded for this window
                sent += send_reminders(reminder_messages([record], today, kind))
        self.stdout.write(f"{sent} reminders sent.")
