"""The workflow state of each record, kept beside the page (not on it), and the
workflow's own records: approved versions, corrections, locks, the audit log.

A separate row one-to-one with the page keeps the state out of Wagtail's
revisions entirely: no publish, revert or copy can change it (DESIGN.md). It
also carries the record's school, year, type, group and class, so that
dashboards, deadlines and search scope one table instead of seven.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import (
    RETURN_VALUE,
    ConcurrentTransitionMixin,
    FSMField,
    FSMModelMixin,
    TransitionNotAllowed,
    transition,
)

from recordpages import registry
from workflow.choices import APPROVED_STATES, State

S = State


class RecordState(ConcurrentTransitionMixin, models.Model):
    page = models.OneToOneField(
        "wagtailcore.Page", primary_key=True, on_delete=models.CASCADE, related_name="record_state"
    )
    record_type = models.CharField(_("loại hồ sơ"), max_length=32, choices=registry.choices)
    school = models.ForeignKey("recordpages.School", on_delete=models.CASCADE, related_name="+")
    school_year = models.ForeignKey(
        "recordpages.SchoolYear", on_delete=models.PROTECT, related_name="+"
    )
    group = models.ForeignKey(
        "recordpages.ProfessionalGroup",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    school_class = models.ForeignKey(
        "recordpages.SchoolClass",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    author = models.ForeignKey(
        "recordpages.StaffProfile",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The school's category of "other records" it is filed under: its rules apply.
    record_category = models.ForeignKey(
        "recordpages.RecordCategory",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    state = FSMField(_("trạng thái"), default=State.DRAFT, choices=State.choices, protected=True)
    deadline = models.DateField(_("hạn"), null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    approved_revision = models.ForeignKey(
        "wagtailcore.Revision", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_hash = models.CharField(max_length=64, blank=True)
    version = models.PositiveIntegerField(default=0)
    return_reason = models.TextField(blank=True)
    # The signature steps (recordpages.chains fields) made in this pass through the
    # path: a path step that carries several is taken when the last is made. Emptied
    # when the record is given back or a correction starts.
    signatures_made = models.JSONField(default=list, blank=True)
    # Who made each of them ({field: user id}): nobody makes two signatures of one
    # path step, so an added review is a second person's.
    signature_signers = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("trạng thái hồ sơ")
        verbose_name_plural = _("trạng thái hồ sơ")
        indexes = [
            models.Index(fields=["school", "school_year", "record_type", "state"]),
            models.Index(fields=["deadline"]),
            models.Index(fields=["author", "state"]),
        ]

    def __str__(self) -> str:
        return f"{self.page_id}: {self.state}"

    # --- who wrote it ------------------------------------------------------------

    def editor_user_ids(self) -> frozenset[int]:
        """The users who wrote this record's content, from what happened: the page's
        creator (owner) and everyone who saved a revision of it. Loaded once per
        instance; `attach_editors` loads many records at once."""
        cached = self.__dict__.get("_editor_user_ids")
        if cached is None:
            attach_editors([self])
            cached = self.__dict__["_editor_user_ids"]
        return cached

    @property
    def rules(self) -> registry.RecordType:
        """What the regulation says about this record: its type's (or its category's)
        declaration in recordpages.registry."""
        return registry.for_record(self)

    # --- transitions (taken only by workflow.actions) ---------------------------------
    # The record's path is data (its type's declared steps); the state machine here
    # only guards the field: a step moves the record if it is open from where it stands.

    @transition(field=state, source="*", target=RETURN_VALUE(*State.values))
    def take(self, step: registry.Step) -> str:
        if self.state not in step.source or self.rules.step(step.name) != step:
            raise TransitionNotAllowed(
                f"Step {step.name!r} is not open from {self.state!r}.",
                object=self,
                method=self.take,
            )
        return step.target

    @transition(field=state, source=list(APPROVED_STATES), target=S.CORRECTING)
    def start_correction(self):
        pass

    @transition(field=state, source=S.CORRECTING, target=RETURN_VALUE(*APPROVED_STATES))
    def finish_correction(self, return_state: str) -> str:
        return return_state


def attach_editors(records) -> None:
    """Load the editors of many records in two queries, whatever their number.

    Every revision of the page counts: the version under review is built on all of
    them, and content is frozen once approved, so no revision postdates it. A
    revision saved by nobody (a snapshot the workflow takes) names no one.
    """
    from wagtail.models import Page, Revision

    records = [r for r in records if "_editor_user_ids" not in r.__dict__]
    if not records:
        return
    ids = [r.pk for r in records]
    editors: dict[int, set[int]] = {pk: set() for pk in ids}
    for page_id, owner_id in Page.objects.filter(pk__in=ids).values_list("pk", "owner_id"):
        if owner_id is not None:
            editors[page_id].add(owner_id)
    revisions = Revision.page_revisions.filter(
        object_id__in=[str(pk) for pk in ids], user__isnull=False
    ).values_list("object_id", "user_id")
    for object_id, user_id in revisions.distinct():
        editors[int(object_id)].add(user_id)
    for record in records:
        record.__dict__["_editor_user_ids"] = frozenset(editors[record.pk])


class RecordVersion(models.Model):
    """Every approved (or signed) version of a record; earlier ones stay retrievable."""

    record = models.ForeignKey(RecordState, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    revision = models.ForeignKey("wagtailcore.Revision", on_delete=models.PROTECT, related_name="+")
    content_hash = models.CharField(max_length=64)
    state = models.CharField(max_length=20, choices=State.choices)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    correction = models.ForeignKey(
        "workflow.Correction", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["record", "number"]
        constraints = [
            models.UniqueConstraint(fields=["record", "number"], name="unique_record_version")
        ]
        verbose_name = _("phiên bản đã duyệt")
        verbose_name_plural = _("phiên bản đã duyệt")


class TransitionLog(models.Model):
    """The record's history panel: who, in which role, when, from → to, comment."""

    record = models.ForeignKey(RecordState, on_delete=models.CASCADE, related_name="history")
    transition = models.CharField(max_length=40)
    source = models.CharField(max_length=20, choices=State.choices)
    target = models.CharField(max_length=20, choices=State.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    actor_name = models.CharField(max_length=150)
    actor_role = models.CharField(max_length=150, blank=True)
    comment = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["record", "-at"])]


class CorrectionState(models.TextChoices):
    REQUESTED = "requested", _("Đã đề nghị")
    CONSENTED = "consented", _("Hiệu trưởng đồng ý, đang sửa")
    MINUTES = "minutes", _("Chờ xác nhận biên bản")
    CLOSED = "closed", _("Đã hoàn tất")
    REFUSED = "refused", _("Hiệu trưởng không đồng ý")


class Correction(FSMModelMixin, models.Model):
    """Biên bản sửa dữ liệu (Đ11.3): one correction of an approved or signed record."""

    record = models.ForeignKey(RecordState, on_delete=models.CASCADE, related_name="corrections")
    state = FSMField(
        default=CorrectionState.REQUESTED, choices=CorrectionState.choices, protected=True
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("lí do sửa"))
    requested_at = models.DateTimeField(auto_now_add=True)
    return_state = models.CharField(max_length=20, choices=State.choices)
    before_revision = models.ForeignKey(
        "wagtailcore.Revision", on_delete=models.PROTECT, null=True, related_name="+"
    )
    after_revision = models.ForeignKey(
        "wagtailcore.Revision", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    changes = models.JSONField(default=list, blank=True)
    consented_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    consented_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by_principal = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    acknowledged_by_principal_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by_sysadmin = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    acknowledged_by_sysadmin_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by_requester_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("biên bản sửa dữ liệu")
        verbose_name_plural = _("biên bản sửa dữ liệu")

    @transition(field=state, source=CorrectionState.REQUESTED, target=CorrectionState.CONSENTED)
    def consent(self):
        pass

    @transition(field=state, source=CorrectionState.REQUESTED, target=CorrectionState.REFUSED)
    def refuse(self):
        pass

    @transition(field=state, source=CorrectionState.CONSENTED, target=CorrectionState.MINUTES)
    def draw_up_minutes(self):
        pass

    @transition(field=state, source=CorrectionState.MINUTES, target=CorrectionState.CLOSED)
    def close(self):
        pass

    @property
    def fully_acknowledged(self) -> bool:
        return bool(
            self.acknowledged_by_principal_at
            and self.acknowledged_by_sysadmin_at
            and self.acknowledged_by_requester_at
        )


class Lock(models.Model):
    """Khóa dữ liệu (Đ9.2): a school, a school year or a record category made read-only."""

    school = models.ForeignKey(
        "recordpages.School", verbose_name=_("trường"), on_delete=models.CASCADE, related_name="+"
    )
    school_year = models.ForeignKey(
        "recordpages.SchoolYear",
        verbose_name=_("năm học (để trống: mọi năm)"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    record_type = models.CharField(
        _("loại hồ sơ (để trống: mọi loại)"), max_length=32, choices=registry.choices, blank=True
    )
    requested_by = models.ForeignKey(
        "recordpages.StaffProfile",
        verbose_name=_("hiệu trưởng đề nghị"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.TextField(_("lí do"))
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    locked_at = models.DateTimeField(auto_now_add=True)
    unlocked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    unlocked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-locked_at"]
        verbose_name = _("khóa dữ liệu")
        verbose_name_plural = _("khóa dữ liệu")
        indexes = [models.Index(fields=["school", "unlocked_at"])]

    def __str__(self) -> str:
        parts = [str(self.school)]
        if self.school_year_id:
            parts.append(str(self.school_year))
        if self.record_type:
            parts.append(self.get_record_type_display())
        return " – ".join(parts)

    @property
    def active(self) -> bool:
        return self.unlocked_at is None


class AuditEntry(models.Model):
    """Append-only, hash-chained per school (R1, R15, R16).

    Each entry carries the SHA-256 of the previous entry of its chain and its own
    sequence number, so that editing, deleting or inserting a row breaks the chain
    where it happened; `manage.py audit_verify` names the first broken link.
    """

    chain = models.CharField(max_length=40, db_index=True)  # "school:<id>" or "system"
    seq = models.PositiveBigIntegerField()
    school = models.ForeignKey(
        "recordpages.School", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=40, db_index=True)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=40, blank=True)
    summary = models.CharField(max_length=300, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["chain", "seq"]
        constraints = [models.UniqueConstraint(fields=["chain", "seq"], name="unique_chain_seq")]
        verbose_name = _("nhật ký hệ thống")
        verbose_name_plural = _("nhật ký hệ thống")

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("Audit entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit entries are append-only.")


class AuditChainHead(models.Model):
    """The last link of each chain, locked while appending so two writers never fork it."""

    chain = models.CharField(max_length=40, primary_key=True)
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64)


class ReminderSent(models.Model):
    """Makes the daily reminder command idempotent."""

    record = models.ForeignKey(RecordState, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20)
    sent_on = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["record", "kind"], name="unique_reminder")]
