"""Who wrote a record comes from what happened (the page's creator and the users
who saved its revisions), never from a form field; nobody who wrote the version
under review checks, approves, returns, publishes or signs it (issue 11, finding 2)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from wagtail.test.utils.form_data import nested_form_data, streamfield

from recordpages.models import OtherRecordPage, SchoolYearPage
from tests.security.security_helpers import force_login_verified
from tests.workflow.conftest import user
from workflow import services
from workflow.models import AuditEntry, RecordState
from workflow.services import TransitionRefused

SELF_REVIEW = "Không ai được tự duyệt"
User = get_user_model()


def _create_other_record_in_admin(client: Client, year_page, *, author_pk: int) -> OtherRecordPage:
    data = nested_form_data(
        {
            "title": "Kế hoạch tự chọn của hiệu trưởng",
            "slug": "ke-hoach-tu-chon-cua-hieu-truong",
            "category": "Kế hoạch khác",
            "deadline": "2025-10-20",
            "author": str(author_pk),  # the attack: name someone else as "Người lập"
            "attachment": "",
            "body": streamfield([("section", {"heading": "Mục đích", "body": "<p>Nội dung.</p>"})]),
        }
    )
    response = client.post(f"/admin/pages/add/recordpages/otherrecordpage/{year_page.pk}/", data)
    assert response.status_code in (200, 302), response.status_code
    return OtherRecordPage.objects.get(slug="ke-hoach-tu-chon-cua-hieu-truong")


@pytest.mark.django_db
def test_principal_cannot_approve_a_record_he_created_naming_the_vice_principal(district):
    principal, vice = user("hn.hieutruong"), user("hn.phohieutruong")
    client = Client()
    force_login_verified(client, principal)
    year_page = SchoolYearPage.objects.filter(school__code="THHN").order_by("-pk").first()
    page = _create_other_record_in_admin(client, year_page, author_pk=vice.staff_profile.pk)
    services.ensure_all_record_states()

    record = RecordState.objects.get(pk=page.pk)

    services.record_transition(user=principal, page_id=page.pk, transition="submit")
    audit_before = AuditEntry.objects.exclude(action="access.refused").count()
    with pytest.raises(TransitionRefused, match=SELF_REVIEW):
        services.record_transition(user=principal, page_id=page.pk, transition="approve")
    record.refresh_from_db()
    assert record.state == "submitted"
    assert record.approved_revision_id is None and record.version == 0
    assert AuditEntry.objects.exclude(action="access.refused").count() == audit_before
    # The form field is gone: the record names its real creator.
    page.refresh_from_db()
    assert page.author_id == principal.staff_profile.pk
    assert record.author_id == principal.staff_profile.pk


@pytest.mark.django_db
def test_the_author_field_is_not_on_any_record_form(district):
    from recordpages import registry

    for model in registry.page_models():
        form_class = model.get_edit_handler().get_form_class()
        assert "author" not in form_class.base_fields, model.__name__


@pytest.mark.django_db
def test_an_edit_form_post_cannot_change_the_author(district):
    page = OtherRecordPage.objects.filter(school__code="THHN").first()
    before = page.author_id
    client = Client()
    force_login_verified(client, user("hn.hieutruong"))
    data = nested_form_data(
        {
            "title": page.title,
            "slug": page.slug,
            "category": page.category,
            "deadline": page.deadline.isoformat(),
            "author": str(user("hn.ketoan").staff_profile.pk),
            "attachment": "",
            "body": streamfield([("section", {"heading": "Mục", "body": "<p>x</p>"})]),
        }
    )
    response = client.post(f"/admin/pages/{page.pk}/edit/", data)
    assert response.status_code in (200, 302)
    page.refresh_from_db()
    assert page.author_id == before
    assert page.get_latest_revision_as_object().author_id == before


@pytest.mark.django_db
def test_a_reviewer_who_edited_the_version_may_not_approve_it(district):
    """The principal saves a revision of a record someone else created: whoever
    saved a revision of the version under review is one of its writers."""
    services.ensure_all_record_states()
    page = OtherRecordPage.objects.filter(school__code="THHN").first()
    principal = user("hn.hieutruong")
    assert RecordState.objects.get(pk=page.pk).author_id != principal.staff_profile.pk
    page.save_revision(user=principal)
    services.record_transition(user=principal, page_id=page.pk, transition="submit")
    with pytest.raises(TransitionRefused, match=SELF_REVIEW):
        services.record_transition(user=principal, page_id=page.pk, transition="approve")
    with pytest.raises(TransitionRefused, match=SELF_REVIEW):
        services.record_transition(
            user=principal, page_id=page.pk, transition="return", reason="Sửa lại"
        )
    assert RecordState.objects.get(pk=page.pk).state == "submitted"
