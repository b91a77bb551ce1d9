"""civic311 check_sla: escalate the open requests past their expected time (once each)."""

from django.core.management.base import BaseCommand

from civic311.routing.overdue import check_overdue


class Command(BaseCommand):
    help = "Mark open requests past their expected time overdue and tell their supervisors."

    def handle(self, *args, **options):
        self.stdout.write(f"escalated {check_overdue()} overdue requests")
