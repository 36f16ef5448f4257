from django.core.management.base import BaseCommand, CommandError

from workflow.audit import verify_chains
from workflow.models import AuditChainHead, AuditEntry


class Command(BaseCommand):
    help = "Verify the hash chain of the audit log and name the first broken link of each chain."

    def add_arguments(self, parser):
        parser.add_argument("--chain", action="append", help="only this chain (e.g. school:3)")

    def handle(self, *args, **options):
        chains = options["chain"] or None
        breaks = verify_chains(chains)
        checked = chains or list(AuditChainHead.objects.values_list("chain", flat=True))
        entries = AuditEntry.objects.filter(chain__in=checked).count()
        if breaks:
            for problem in breaks:
                self.stderr.write(
                    f"BROKEN chain {problem.chain} at entry #{problem.seq}"
                    f"{f' (id {problem.entry_id})' if problem.entry_id else ''}: {problem.problem}"
                )
            raise CommandError(f"{len(breaks)} of {len(checked)} audit chains are broken.")
        self.stdout.write(self.style.SUCCESS(f"{len(checked)} chains, {entries} entries: intact."))
