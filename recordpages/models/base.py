"""The base page classes: title schemes, ASCII slugs, denormalised school and
year on every record, and the role-aware permission tester."""

from __future__ import annotations

import functools
from typing import ClassVar

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.signals import post_delete
from django.http import Http404
from django.utils import translation
from django.utils.html import strip_tags
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from modelsearch.signal_handlers import post_delete_signal_handler
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel
from wagtail.models import Page, Revision
from wagtail.utils.decorators import cached_classmethod

from intake.models import FileStatus, RecordFile
from recordpages import registry
from recordpages.models.saving import RecordSaving
from recordpages.registry import RecordType
from recordpages.revision_copy import fields_chosen_in_form, mark_validated, rows_chosen_in_form
from recordpages.text import collapse_spaces, normalize_text, vn_slugify


class HosoPageForm(WagtailAdminPageForm):
    """Titles that follow a scheme are composed by the model: the field may stay empty."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        model = self._meta.model
        if getattr(model, "has_title_scheme", False) and "title" in self.fields:
            self.fields["title"].required = False
            self.fields["title"].help_text = _(
                "Để trống: tiêu đề được đặt tự động theo mẫu của loại hồ sơ."
            )
        if "slug" in self.fields:
            self.fields["slug"].required = False
        if self.for_user is not None:
            from recordpages.permissions import limit_choices_to_user_schools

            limit_choices_to_user_schools(self, self.for_user)

    def _post_clean(self):
        self.instance._rows_chosen_in_form = rows_chosen_in_form(self)
        try:
            super()._post_clean()
        finally:
            del self.instance._rows_chosen_in_form
        if not self._errors:
            mark_validated(self.instance)  # the save need not check it all again


class HosoPage(Page):
    """Base of every page type of the product.

    Records are worked on in the admin; the public site serves only the page
    types that say so (the authority, schools, published school plans), and
    answers 404 for everything else, whatever its Wagtail "live" flag.
    """

    has_title_scheme: ClassVar[bool] = False
    public_on_site: ClassVar[bool] = False
    base_form_class = HosoPageForm

    class Meta:
        abstract = True

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # A page the public site never serves has nothing to promote: no "Quảng bá"
        # tab (slug, SEO title, menus) on records and structural pages (issue 15).
        if not cls.public_on_site and "promote_panels" not in cls.__dict__:
            cls.promote_panels = []

    @cached_classmethod
    def get_edit_handler(cls):
        """Wagtail's edit handler for this page type, whose form class (the page's
        form and a formset class per inline panel) is built once, not on every open
        and save of an editor: 2 ms of the học bạ editor's CPU (issue 18)."""
        handler = super().get_edit_handler()
        handler.get_form_class = functools.cache(handler.get_form_class)
        return handler

    def is_public_on_site(self) -> bool:
        return self.public_on_site and self.live and not self.expired

    def serve(self, request, *args, **kwargs):
        if not self.is_public_on_site():
            raise Http404
        return super().serve(request, *args, **kwargs)

    def get_sitemap_urls(self, request=None):
        if not self.is_public_on_site():
            return []
        return super().get_sitemap_urls(request)

    def clean_fields(self, exclude=None):
        # A row the form's choice field has just fetched exists: not read once more.
        chosen = fields_chosen_in_form(self, getattr(self, "_rows_chosen_in_form", {}))
        super().clean_fields(exclude={*(exclude or ()), *chosen})

    def compose_title(self) -> str | None:
        """The title this page's scheme gives, or None when the title is free."""
        return None

    def tree_parent(self) -> Page | None:
        parent = getattr(self, "_cached_parent_obj", None)
        if parent is None and self.path and self.depth and self.depth > 1:
            parent = self.get_parent()
        return parent

    def _set_core_field_defaults(self):
        self.prepare_tree_fields()
        # A composed title is stored (and archived): the project language, whichever
        # language the saving user's admin is in.
        with translation.override(settings.LANGUAGE_CODE):
            composed = self.compose_title() if self.has_title_scheme else None
        if composed:
            self.title = composed
            self.draft_title = composed
        if self.title:
            self.title = normalize_text(collapse_spaces(self.title))
        if not self.slug and self.title and (self.path or self.tree_parent() is not None):
            self.slug = self._get_autogenerated_slug(vn_slugify(self.title))
        super()._set_core_field_defaults()

    def prepare_tree_fields(self) -> None:
        """Fill fields derived from the page's place in the tree (overridden)."""

    def permissions_for_user(self, user):
        """One tester per page and user: an explorer row asks for it by every column
        and button (ten testers a row, issue 18). A request loads its own user, so
        the tester lives as long as the request's page and user objects."""
        from recordpages.permissions import HosoPagePermissionTester

        cached = self.__dict__.get("_hoso_tester")
        if cached is None or cached.user is not user:
            cached = self.__dict__["_hoso_tester"] = HosoPagePermissionTester(user, self)
        return cached


class RecordFilePanel(FieldPanel):
    """The "hand in as a file" field of a plan's editor, with the file handed in so
    far (name, conversion state, link) and "Bỏ tệp". The fields are declared on the
    page form (recordpages.forms.FileHandInPageForm), not on the model."""

    def __init__(self, field_name: str = "source_upload", **kwargs):
        super().__init__(field_name, **kwargs)

    def get_form_options(self):
        options = super().get_form_options()
        options["fields"] = [*options["fields"], "source_remove"]
        return options

    class BoundPanel(FieldPanel.BoundPanel):
        template_name = "recordpages/panels/record_file.html"

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            context["record_file"] = self.instance.current_source_file()
            context["remove_field"] = self.form["source_remove"] if self.form else None
            return context


class FileHandIn(models.Model):
    """A record that may be handed in as a file (a Word, OpenDocument, spreadsheet or
    PDF file, converted to PDF/A by the intake worker) instead of, or beside, its form.

    `source_sha256` is the converted PDF's SHA-256, copied onto the record so that
    the revision's content, and so the hash the reviewer approves, covers the
    file's bytes and not only its row id. `form_content_fields` are the form's
    content fields: required for handing in unless a converted file is attached."""

    form_content_fields: ClassVar[tuple[str, ...]] = ()

    source_file = models.ForeignKey(
        "intake.RecordFile",
        verbose_name=_("tệp kế hoạch (Word, PDF…)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    source_sha256 = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        abstract = True

    def current_source_file(self) -> RecordFile | None:
        """The attached file as the database has it now: the worker converts it in
        another process, so a row cached on this object may be stale."""
        if not self.source_file_id:
            return None
        return RecordFile.objects.filter(pk=self.source_file_id).first()

    def sync_source_sha256(self) -> None:
        """Copy the converted PDF's hash onto the record (empty until converted)."""
        record_file = self.current_source_file()
        ready = record_file is not None and record_file.status == FileStatus.READY
        self.source_sha256 = record_file.converted_sha256 if ready else ""

    def full_clean(self, *args, **kwargs):
        self.sync_source_sha256()
        return super().full_clean(*args, **kwargs)

    def clean(self):
        super().clean()
        record_file = self.current_source_file()
        if record_file is not None and self.school_id and record_file.school_id != self.school_id:
            # Keyed on no field: the page form has none for the file row itself.
            raise ValidationError(_("Tệp này thuộc trường khác."))

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "source_sha256" in update_fields:
            self.sync_source_sha256()
        result = super().save(*args, **kwargs)
        if self.source_file_id:
            # Attach a file handed in with a new page once the page exists; a file
            # already attached (to this page, or to the record a copy came from)
            # keeps its page.
            RecordFile.objects.filter(pk=self.source_file_id, page__isnull=True).update(
                page_id=self.pk
            )
        return result

    def save_revision(self, *args, **kwargs):
        # A live record's edit saves only a revision: it must carry the hash too.
        self.sync_source_sha256()
        return super().save_revision(*args, **kwargs)

    def file_hand_in_errors(self) -> list[str]:
        """What stops handing in, as to the file or the form (Đ11.2): a converted file
        stands for the form's content fields; a file still converting, or refused,
        blocks; without a file every content field must be filled."""
        record_file = self.current_source_file()
        if record_file is None:
            return [
                f"{capfirst(self._meta.get_field(name).verbose_name)}: "
                + str(_("cần điền nội dung, hoặc nộp kế hoạch bằng tệp (Word, PDF…)."))
                for name in self.form_content_fields
                if _is_blank(getattr(self, name))
            ]
        if record_file.status == FileStatus.REFUSED:
            return [
                str(_("Tệp “%(name)s” không chuyển được sang PDF: %(reason)s"))
                % {"name": record_file.original_name, "reason": record_file.error}
            ]
        if record_file.status != FileStatus.READY:
            return [str(_("Tệp đang được chuyển sang PDF, vui lòng chờ trong giây lát"))]
        if self.source_sha256 != record_file.converted_sha256:
            # Converted after this version was saved and not yet noted on it (see
            # note_converted_file): the hash to approve would not cover the file.
            return [str(_("Tệp vừa chuyển sang PDF xong: vui lòng lưu lại hồ sơ rồi nộp."))]
        return []

    def completeness_errors(self) -> list[str]:
        saved_hash = self.source_sha256  # as saved: full_clean in super() refreshes it
        errors = super().completeness_errors()
        self.source_sha256 = saved_hash
        return [*errors, *self.file_hand_in_errors()]


def _is_blank(value) -> bool:
    """An empty StreamField, or rich text with no words (the editor leaves "<p></p>")."""
    if isinstance(value, str):
        return not strip_tags(value).strip()
    return not value


def note_converted_file_on_save(sender, instance: RecordFile, update_fields=None, **kwargs) -> None:
    """post_save of RecordFile (connected in apps.ready): the editor's save commits
    before the worker converts the file it names (workflow's AtomicRecordSaveMiddleware,
    intake's on_commit), so the hash reaches the record when the conversion is stored,
    whichever path stored it (task, `intake_convert`)."""
    if instance.status == FileStatus.READY and (update_fields is None or "status" in update_fields):
        note_converted_file(instance)


def note_converted_file(record_file: RecordFile) -> int:
    """The worker converted `record_file`: copy its hash onto the records naming it,
    their rows and the revisions that name the file with an empty hash. Those
    revisions were never handed in (a file still converting blocks it), so none was
    approved: completing them changes no approved content. Returns the records updated."""
    if record_file.status != FileStatus.READY:
        return 0
    sha = record_file.converted_sha256
    models_with_files = [m for m in registry.page_models() if issubclass(m, FileHandIn)]
    # The pages naming the file (indexed foreign keys), not a scan of every revision.
    page_ids = {record_file.page_id} - {None}
    for model in models_with_files:
        page_ids.update(model.objects.filter(source_file=record_file).values_list("pk", flat=True))
    pages: set[str] = set()
    revisions = Revision.page_revisions.filter(
        object_id__in=[str(pk) for pk in page_ids],
        content__source_file=record_file.pk,
        content__source_sha256="",
    )
    for revision in revisions:
        revision.content["source_sha256"] = sha
        revision.save(update_fields=["content"])
        pages.add(revision.object_id)
    for model in models_with_files:
        rows = model.objects.filter(source_file=record_file).exclude(source_sha256=sha)
        pages.update(str(pk) for pk in rows.values_list("pk", flat=True))
        rows.update(source_sha256=sha)
    return len(pages)


class RecordPage(RecordSaving, HosoPage):
    """A record of the regulation (Đ14): belongs to one school and one school year.

    `school` and `school_year` are copied from the tree so that scoping a query
    to a school never walks the tree.
    """

    # Each concrete record page declares its rules once (recordpages.registry);
    # `record_type` and `record_type_label` follow from them.
    rules: ClassVar[RecordType | None] = None
    record_type: ClassVar[str] = ""
    record_type_label: ClassVar[str] = ""
    has_title_scheme = True

    school = models.ForeignKey(
        "recordpages.School", on_delete=models.PROTECT, editable=False, null=True, related_name="+"
    )
    school_year = models.ForeignKey(
        "recordpages.SchoolYear",
        on_delete=models.PROTECT,
        editable=False,
        null=True,
        related_name="+",
    )
    # Who created the record, set by the workflow from the page's owner (or, for a
    # lesson plan, its teacher); never chosen in a form, because a writer who could
    # name someone else here could then review their own record (issue 11).
    author = models.ForeignKey(
        "recordpages.StaffProfile",
        verbose_name=_("người lập"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    subpage_types: ClassVar[list[str]] = []
    # A copy (next week's plan) starts without the file handed in for this one.
    exclude_fields_in_copy = ["school", "school_year", "source_file", "source_sha256"]

    class Meta:
        abstract = True

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        post_delete.connect(post_delete_signal_handler, sender=cls)
        declared = cls.__dict__.get("rules")
        if declared is not None:
            cls.rules = registry.register(declared, cls)
            cls.record_type = declared.code
            cls.record_type_label = declared.label

    def completeness_errors(self) -> list[str]:
        """What must be filled before this record is handed in (Đ11.2, R4). The
        model's own validation; page types add their rules by extending this."""
        errors: list[str] = []
        try:
            self.full_clean()
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                label = name
                try:
                    label = str(self._meta.get_field(name).verbose_name)
                except Exception:  # noqa: BLE001 - non-field errors keep their key
                    pass
                errors.extend(f"{label}: {message}" for message in messages)
        return errors

    def year_page(self):
        # Looked up through the app registry: the year page's module builds on
        # this one, so importing it here would close an import cycle.
        SchoolYearPage = apps.get_model("recordpages", "SchoolYearPage")  # noqa: N806
        node = self.tree_parent()
        while node is not None and node.depth > 1:
            specific = node.specific_deferred if not isinstance(node, SchoolYearPage) else node
            if isinstance(specific, SchoolYearPage):
                return specific
            node = node.get_parent()
        return None

    def prepare_tree_fields(self) -> None:
        if self.school_id and self.school_year_id:
            return
        year_page = self.year_page()
        if year_page is not None:
            self.school_year_id = year_page.school_year_id
            self.school_id = year_page.school_id

    @property
    def year_name(self) -> str:
        return self.school_year.name if self.school_year_id else ""

    @property
    def school_name(self) -> str:
        return self.school.name if self.school_id else ""
