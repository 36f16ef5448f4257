"""Who signed each year of the học bạ: this file's blocks (digital), an earlier record's
signatures (archive.models.Signature rows, failing those its approver; the archived
file's verification code), or the paper học bạ of an imported year. Read for all the
book's records at once, so the book's queries do not grow with its years."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from archive.models import ArchivedVersion, DocumentKind, Signature, SignatureOutcome
from recordpages.hocba.book import SignedBy, Signer
from recordpages.models import PriorYearResult, StudentRecordPage
from workflow.models import RecordState, RecordVersion

TEACHER_ROLE, PRINCIPAL_ROLE = "giao_vien_chu_nhiem", "hieu_truong"


def _titles() -> dict[str, str]:
    return {TEACHER_ROLE: _("Giáo viên chủ nhiệm"), PRINCIPAL_ROLE: _("Hiệu trưởng")}


def _local_date(moment: dt.datetime | None) -> dt.date | None:
    return timezone.localtime(moment).date() if moment else None


@dataclass(frozen=True)
class Signing:
    """What the product knows of how its records were signed, for many records at once."""

    states: dict[int, RecordState]
    signatures: dict[tuple[int, int, str], Signature]  # (page, version, field) → newest
    approvers: dict[int, str]  # page → who approved its newest version
    archived: dict[int, ArchivedVersion]  # page → its newest archived file

    @classmethod
    def load(cls, page_ids: list[int]) -> Signing:
        states = {
            s.page_id: s
            for s in RecordState.objects.filter(page_id__in=page_ids).select_related(
                "approved_revision"
            )
        }
        signatures: dict[tuple[int, int, str], Signature] = {}
        for row in Signature.objects.filter(page_ref__in=page_ids).order_by("made_at", "pk"):
            signatures[(row.page_ref, row.version, row.field)] = row
        approvers: dict[int, str] = {}
        versions = (
            RecordVersion.objects.filter(record__page_id__in=page_ids, approved_by__isnull=False)
            .select_related("record", "approved_by__staff_profile")
            .order_by("number")
        )
        for version in versions:
            profile = getattr(version.approved_by, "staff_profile", None)
            approvers[version.record.page_id] = getattr(profile, "full_name", "") or ""
        archived = {
            row.page_ref: row
            for row in ArchivedVersion.objects.filter(
                page_ref__in=page_ids, kind=DocumentKind.RECORD
            ).order_by("version", "pk")
        }
        return cls(states=states, signatures=signatures, approvers=approvers, archived=archived)

    def signers(self, page_id: int, *, teacher: str, current: bool) -> tuple[Signer, ...]:
        """The homeroom teacher's and the principal's signatures of a record: in the
        current file they are digital (the blocks); of an earlier year, as signed."""
        state = self.states.get(page_id)
        version = state.version if state else 0
        fallback = {
            TEACHER_ROLE: (teacher, _local_date(state.submitted_at) if state else None),
            PRINCIPAL_ROLE: (
                self.approvers.get(page_id, ""),
                _local_date(state.approved_at) if state else None,
            ),
        }
        signers = []
        for role, title in _titles().items():
            row = self.signatures.get((page_id, version, role))
            name, signed_on = fallback[role]
            if current:
                how = SignedBy.DIGITAL
                name = row.signer_name if row else name
                signed_on = _local_date(row.made_at) if row else None
            elif row is not None and row.outcome == SignatureOutcome.SIGNED:
                how, name, signed_on = SignedBy.ARCHIVED, row.signer_name, _local_date(row.made_at)
            elif page_id in self.archived:
                # Recorded, or frozen before the chain: the archived file carries the
                # school's seal over the approved content.
                how = SignedBy.ARCHIVED
                name = row.signer_name if row else name
                signed_on = _local_date(row.made_at) if row else signed_on
            else:
                how = SignedBy.NOT_YET if signed_on is None else SignedBy.ARCHIVED
            signers.append(Signer(role, title, name, signed_on, how))
        return tuple(signers)

    def approved(self, record: StudentRecordPage) -> StudentRecordPage:
        """The record as approved (its pinned revision), else as it is."""
        state = self.states.get(record.pk)
        revision = state.approved_revision if state else None
        if revision is None:
            return record
        # Not Revision.as_object(): it fetches the page again and checks every foreign
        # key of every child row (one query each, 26 for a grade-4 học bạ). The content
        # fields are all the book reads; the revision's keys point at protected rows.
        approved = type(record).from_serializable_data(revision.content, check_fks=False)
        approved.pk = record.pk
        return approved


def paper_signers(prior: PriorYearResult) -> tuple[Signer, ...]:
    titles = _titles()
    return (
        Signer(
            TEACHER_ROLE,
            titles[TEACHER_ROLE],
            prior.homeroom_teacher,
            prior.signed_on,
            SignedBy.PAPER,
        ),
        Signer(
            PRINCIPAL_ROLE, titles[PRINCIPAL_ROLE], prior.principal, prior.signed_on, SignedBy.PAPER
        ),
    )
