from django.core.management.base import BaseCommand, CommandError

from workflow.audit import verify_all
from workflow.models import AuditChainHead, AuditEntry


class Command(BaseCommand):
    help = (
        "Verify the hash chains of the audit log, then check them against every signed "
        "checkpoint in the object store: names the first broken link of each chain, and "
        "truncation, a head moved back, a deleted chain, recomputed hashes, and checkpoints "
        "that are forged or missing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--chain", action="append", help="only this chain (e.g. school:3)")

    def handle(self, *args, **options):
        chains = options["chain"] or None
        breaks = verify_all(chains)
        checked = chains or list(AuditChainHead.objects.values_list("chain", flat=True))
        entries = AuditEntry.objects.filter(chain__in=checked).count()
        if breaks:
            for problem in breaks:
                kind = "" if problem.kind == "link" else f"{problem.kind.upper()}: "
                self.stderr.write(
                    f"BROKEN chain {problem.chain} at entry #{problem.seq}"
                    f"{f' (id {problem.entry_id})' if problem.entry_id else ''}: "
                    f"{kind}{problem.problem}"
                )
            broken = len({problem.chain for problem in breaks})
            raise CommandError(
                f"{len(breaks)} problem(s) in {broken} audit chain(s) or checkpoint(s) "
                f"of {len(checked)} chains: the audit chains are broken."
            )
        self.stdout.write(self.style.SUCCESS(f"{len(checked)} chains, {entries} entries: intact."))
