"""Background task of the intake: convert a handed-in file, out of the request.

`intake.services._store` enqueues `convert_file` when the upload commits; a task
that is lost (the queue's database restored, a worker killed) is caught by
`manage.py intake_convert`. Conversion itself is intake.conversion.convert,
which also asks search to index the record the file is attached to.
"""

from __future__ import annotations

import logging

from django_tasks import task

from intake.conversion import convert
from intake.models import RecordFile

logger = logging.getLogger(__name__)


# A teacher waits on the record page for the conversion: it goes before queued search
# index updates and e-mails (a demo load or a reindex queues thousands of them).
CONVERSION_PRIORITY = 50


@task(priority=CONVERSION_PRIORITY)
def convert_file(*, file_id: int) -> str:
    """Convert one file; returns its status. A row deleted meanwhile is skipped."""
    record_file = RecordFile.objects.filter(pk=file_id).first()
    if record_file is None:
        logger.info("File %s is gone, nothing to convert", file_id)
        return ""
    return convert(record_file).status
