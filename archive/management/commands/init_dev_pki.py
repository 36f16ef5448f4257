"""Create the TEST-ONLY PKI: a CA, one signing certificate per school, a TSA certificate."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from archive import devpki
from archive.signing import dev_pki
from recordpages.models import School


class Command(BaseCommand):
    help = (
        "Create a clearly labelled TEST-ONLY CA, one signing certificate per school and a "
        "TSA certificate under SIGNING['DEV_PKI_DIR']. Idempotent; never use in production."
    )

    def handle(self, *args, **options):
        paths = dev_pki()
        made = devpki.ensure_ca(paths)
        self.stdout.write(f"CA: {paths.ca_cert} ({'created' if made else 'kept'})")
        for school in School.objects.order_by("code"):
            made = devpki.ensure_school_cert(paths, code=school.code, name=school.name)
            self.stdout.write(
                f"{school.code}: {paths.school_p12(school.code)} ({'created' if made else 'kept'})"
            )
        made = devpki.ensure_tsa(paths)
        self.stdout.write(f"TSA: {paths.tsa_cert} ({'created' if made else 'kept'})")
        self.stdout.write(self.style.WARNING(devpki.TEST_LABEL))
