"""Who may see and do what: one policy for the record tree and the people.

Every view, hook and form asks here (R3). A school's staff work inside their
school's subtree; authority staff (district office, inspectors) read every
school under their authority and write nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from wagtail.models import PagePermissionTester
from wagtail.permission_policies import ModelPermissionPolicy

from recordpages.models.people import (
    AUTHORITY_ROLES,
    READ_ONLY_ROLES,
    RoleCode,
    School,
    StaffProfile,
)

_CACHE_ATTR = "_hoso_scope"


@dataclass(frozen=True)
class Scope:
    """What a user's account reaches. Built once per request and cached on the user."""

    is_authenticated: bool
    is_superuser: bool
    staff: StaffProfile | None
    school_id: int | None
    authority_path: str | None
    roles: frozenset[str]

    @property
    def is_authority_level(self) -> bool:
        return bool(self.roles & AUTHORITY_ROLES) and self.school_id is None

    @property
    def all_schools(self) -> bool:
        return self.is_superuser or (self.is_authority_level and self.authority_path is None)

    @property
    def read_only(self) -> bool:
        return not self.is_superuser and bool(self.roles) and self.roles <= READ_ONLY_ROLES

    def has_role(self, *codes: str) -> bool:
        return self.is_superuser or bool(self.roles & set(codes))


ANONYMOUS = Scope(False, False, None, None, None, frozenset())


def get_scope(user) -> Scope:
    if user is None or not user.is_authenticated or not user.is_active:
        return ANONYMOUS
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    staff = _staff_with_roles(user)
    scope = Scope(
        is_authenticated=True,
        is_superuser=user.is_superuser,
        staff=staff,
        school_id=staff.school_id if staff else None,
        authority_path=staff.authority.path if staff and staff.authority_id else None,
        roles=staff.role_codes if staff else frozenset(),
    )
    setattr(user, _CACHE_ATTR, scope)
    return scope


def _staff_with_roles(user) -> StaffProfile | None:
    """The account's profile, its authority and its role codes in one query (one row
    per role), remembered on the user as `user.staff_profile` too: every admin
    request asks for both."""
    rows = list(
        StaffProfile.objects.select_related("authority")
        .filter(user_id=user.pk)
        .annotate(role_code=F("roles__code"))
    )
    staff = rows[0] if rows else None
    if staff is not None:
        staff._role_codes = frozenset(row.role_code for row in rows) - {None}
    StaffProfile._meta.get_field("user").remote_field.set_cached_value(user, staff)
    return staff


def visible_schools(user) -> QuerySet[School]:
    """The schools whose data the user may read."""
    scope = get_scope(user)
    if scope.all_schools:
        return School.objects.all()
    if scope.is_authority_level:
        return School.objects.filter(page__path__startswith=scope.authority_path)
    if scope.school_id:
        return School.objects.filter(pk=scope.school_id)
    return School.objects.none()


def school_filter(user, field: str = "school") -> Q:
    """A Q limiting rows to the user's schools; `field` is the path to the school FK."""
    scope = get_scope(user)
    if scope.all_schools:
        return Q()
    if scope.is_authority_level:
        return Q(**{f"{field}__page__path__startswith": scope.authority_path})
    if scope.school_id:
        return Q(**{f"{field}_id" if field != "pk" else "pk": scope.school_id})
    return Q(pk__in=[])


def limit_choices_to_user_schools(form, user) -> None:
    """Narrow every choice of a school-bound model in a form to the user's schools,
    so that a crafted POST cannot link another school's pupil, class or staff."""
    from recordpages.models.people import ProfessionalGroup, Pupil, SchoolClass

    if get_scope(user).is_superuser:
        return
    schools = visible_schools(user)
    for field in form.fields.values():
        queryset = getattr(field, "queryset", None)
        if queryset is None:
            continue
        if queryset.model is School:
            field.queryset = queryset.filter(pk__in=schools.values("pk"))
        elif queryset.model in (StaffProfile, Pupil, SchoolClass, ProfessionalGroup) or (
            queryset.model._meta.model_name == "recordcategory"
        ):
            field.queryset = queryset.filter(school__in=schools)


# --- Pages ------------------------------------------------------------------

# Which roles may create which structural page types (besides superusers); record
# page types declare theirs (`rules.created_by`, recordpages.registry).
_CREATORS: dict[str, frozenset[str]] = {
    "schoolyearpage": frozenset({RoleCode.PRINCIPAL, RoleCode.SYSADMIN}),
    "professionalgrouppage": frozenset({RoleCode.PRINCIPAL, RoleCode.SYSADMIN}),
    "classpage": frozenset({RoleCode.PRINCIPAL, RoleCode.SYSADMIN}),
}


def can_create_page(user, parent, page_model) -> bool:
    """May this user create a page of `page_model` under `parent`?"""
    scope = get_scope(user)
    if scope.is_superuser:
        return True
    if scope.read_only or scope.staff is None:
        return False
    model_name = page_model._meta.model_name
    rules = getattr(page_model, "rules", None)  # a record type declares its creators
    allowed = rules.created_by if rules is not None else _CREATORS.get(model_name)
    if not allowed or not scope.roles & allowed:
        return False
    parent = parent.specific
    school_id = getattr(parent, "school_id", None)
    if school_id is None and hasattr(parent, "group"):
        school_id = parent.group.school_id
    if school_id is None and hasattr(parent, "school_class"):
        school_id = parent.school_class.school_id
    if school_id != scope.school_id:
        return False
    leaders = {RoleCode.PRINCIPAL, RoleCode.VICE_PRINCIPAL, RoleCode.SYSADMIN}
    if scope.roles & leaders & allowed:
        return True
    if model_name in ("lessonplanpage", "groupteachingplanpage"):
        group = parent.group
        if model_name == "groupteachingplanpage":
            return group.leader_id == scope.staff.pk
        return group.members.filter(pk=scope.staff.pk).exists() or group.leader_id == scope.staff.pk
    if model_name in ("studentrecordpage", "classresultsummarypage"):
        return parent.school_class.homeroom_teacher_id == scope.staff.pk
    return True


def explorable_page_ids(user):
    """Pages the user may see in the explorer and the page chooser (a subquery)."""
    from wagtail.models import Page
    from wagtail.permission_policies.pages import PagePermissionPolicy

    if get_scope(user).is_superuser:
        return Page.objects.values("pk")
    return PagePermissionPolicy().explorable_instances(user).values("pk")


# Who may read a page's content beyond what Wagtail's grants say. recordpages must not
# import workflow, whose policy decides who sees a draft: it registers a reader here
# (as it registers a write guard in recordpages.guards).
ContentReader = Callable[[object, object], bool]
_content_readers: list[ContentReader] = []


def register_content_reader(reader: ContentReader) -> None:
    if reader not in _content_readers:
        _content_readers.append(reader)


def may_read_content(user, page) -> bool:
    """False when a registered reader hides this page's content from this user."""
    return all(reader(user, page) for reader in _content_readers)


# The parents whose children an explorer listing of this request shows: a question
# about one of them is then answered for all at once (workflow.selectors.listed_record).
_LISTED_PARENTS = "_hoso_listed_parents"


def list_children(user, parent) -> None:
    user.__dict__.setdefault(_LISTED_PARENTS, set()).add(parent.path)


def children_listed(user, parent_path: str) -> bool:
    return parent_path in user.__dict__.get(_LISTED_PARENTS, ())


# Which pages of a subtree keep a user from deleting (or moving) its top page, by the
# user's grants there (Wagtail's PagePermissionTester.can_delete): none is asked of a
# superuser, nor of a grant of change and publish. Keyed by the annotation that
# answers it for a listing; the predicate answers it for the top page alone.
_DELETE_BLOCKERS: dict[str, tuple[Callable[[QuerySet, object], QuerySet], Callable]] = {
    "_hoso_has_live": (
        lambda pages, user: pages.filter(live=True),
        lambda page, user: page.live,
    ),
    "_hoso_has_others": (
        lambda pages, user: pages.exclude(owner=user),
        lambda page, user: page.owner_id != user.pk,
    ),
    "_hoso_has_others_or_live": (
        lambda pages, user: pages.exclude(live=False, owner=user),
        lambda page, user: page.live or page.owner_id != user.pk,
    ),
}


def _delete_blocker(permissions: set[str]) -> str | None:
    if "change" in permissions:
        return None if "publish" in permissions else "_hoso_has_live"
    if "add" in permissions:
        return "_hoso_has_others" if "publish" in permissions else "_hoso_has_others_or_live"
    return None


def mark_undeletable(pages: QuerySet, user, parent) -> QuerySet:
    """Annotate a listing of `parent`'s pages with what decides whether `user` may
    delete (or move) each of them, so that the Delete and Move buttons of every row
    cost no query of their own (issue 18: one query per row)."""
    tester = parent.permissions_for_user(user)
    blocker = _delete_blocker(getattr(tester, "permissions", set()))
    if blocker is None:
        return pages
    from wagtail.models import Page

    under = Page.objects.filter(path__startswith=OuterRef("path"))
    blocking = _DELETE_BLOCKERS[blocker][0](under, user)
    return pages.annotate(**{blocker: Exists(blocking)})


# What Wagtail's explorer prefetches for its rows and no row reads: the site-root
# flag comes from the annotation annotate_site_root_state adds, and the content
# type of a row from ContentType's own cache (Page.cached_content_type).
_UNREAD_PREFETCHES = frozenset({"content_type", "sites_rooted_here"})


def without_unread_prefetches(pages: QuerySet) -> QuerySet:
    """The explorer's listing without the two prefetches no row reads (issue 18:
    two queries a listing)."""
    kept = [
        lookup for lookup in pages._prefetch_related_lookups if lookup not in _UNREAD_PREFETCHES
    ]
    return pages.prefetch_related(None).prefetch_related(*kept)


class HosoPagePermissionTester(PagePermissionTester):
    """Wagtail's tester, with read-only roles stripped of every write, and a record
    whose content the user may not read (another teacher's draft) stripped of every
    view that shows it: edit, preview, revisions, compare, history, copy, print.

    A listed page answers can_delete from its listing's annotation (mark_undeletable)."""

    def __init__(self, user, page):
        super().__init__(user, page)
        self.content_hidden = False
        if user.is_active and not user.is_superuser:
            if get_scope(user).read_only:
                # Authority staff explore every school (through a 'lock' grant on the
                # authority page) but may not lock, edit, publish or delete anything.
                self.permissions = set()
            if not may_read_content(user, page):
                self.content_hidden = True
                self.permissions = set()

    def can_view_revisions(self):
        return (
            not self.content_hidden
            and not get_scope(self.user).read_only
            and super().can_view_revisions()
        )

    def can_copy(self):
        return not self.content_hidden and super().can_copy()

    def can_add_subpage(self):
        """The grant first: Wagtail counts the parent's children of every page type
        with a per-parent limit before it asks (a query a listing)."""
        if not self.user.is_superuser and "add" not in self.permissions:
            return False
        return super().can_add_subpage()

    def can_delete(self, ignore_bulk=False):
        blocker = self._delete_blocker()
        if blocker is None:
            return super().can_delete(ignore_bulk)
        if "bulk_delete" not in self.permissions and not self.page.is_leaf() and not ignore_bulk:
            return False
        return self._subtree_deletable(blocker)

    def _subtree_deletable(self, blocker: str) -> bool:
        """Whether nothing under the page blocks its deletion. An editor's header asks
        it for Delete and again for Move (Wagtail's can_move): one query per tester."""
        if _DELETE_BLOCKERS[blocker][1](self.page, self.user):
            return False  # the page itself blocks: no need to look under it
        listed = getattr(self.page, blocker, None)
        if listed is not None:
            return not listed
        if "_hoso_subtree_deletable" not in self.__dict__:
            self.__dict__["_hoso_subtree_deletable"] = super().can_delete(ignore_bulk=True)
        return self.__dict__["_hoso_subtree_deletable"]

    def _delete_blocker(self) -> str | None:
        if not self.user.is_active or self.user.is_superuser or self.page_is_root:
            return None
        return _delete_blocker(self.permissions)


# --- Admin screens ------------------------------------------------------------

# Wagtail's moderation workflows are off (the record FSM is the one source of truth),
# yet their screens and choosers stay routed. Wagtail's stock reports (page types
# usage, site history, locked and aging pages, workflows) and the page-type usage
# listing work across the whole tree: they showed every school's titles to any
# editor. The school's own history is the workflow's record screen and the audit log.
# Named by URL namespace and view name, so that they stay off wherever the admin is
# mounted. confirm_workflow_cancellation stays: the editor asks it before a save and
# it answers "no confirmation needed".
_SUPERUSER_ONLY_NAMESPACES = frozenset({"wagtailadmin_workflows", "wagtailadmin_reports"})
_SUPERUSER_ONLY_VIEWS = frozenset(
    {
        "wagtailadmin_pages:type_use",
        "wagtailadmin_pages:type_use_results",
        "wagtailadmin_pages:workflow_action",
        "wagtailadmin_pages:collect_workflow_action_data",
        "wagtailadmin_pages:workflow_preview",
        "wagtailadmin_pages:workflow_history",
        "wagtailadmin_pages:workflow_history_detail",
    }
)


def may_open_admin_screen(user, *, namespaces: list[str], view_name: str) -> bool:
    """May this user open the admin screen resolved to `view_name` (a ResolverMatch's
    namespaces and view_name)? Only the stock screens switched off above say no."""
    switched_off = bool(_SUPERUSER_ONLY_NAMESPACES.intersection(namespaces)) or (
        view_name in _SUPERUSER_ONLY_VIEWS
    )
    return not switched_off or get_scope(user).is_superuser


def may_browse_page(user, page_id: int) -> bool:
    """May this user list the children of this page (the page chooser browses any
    parent by id)? The children it lists are filtered by the
    construct_page_chooser_queryset hook."""
    return explorable_page_ids(user).filter(pk=page_id).exists()


# --- Snippets (people, classes, groups) --------------------------------------


class SchoolScopedPermissionPolicy(ModelPermissionPolicy):
    """Django model permissions, narrowed to the rows of the user's schools."""

    def __init__(self, model, *, school_field: str = "school", inspect_view_enabled=False):
        super().__init__(model)
        self.school_field = school_field

    def _scope_q(self, user) -> Q:
        if self.school_field == "pk":
            scope = get_scope(user)
            if scope.all_schools:
                return Q()
            return Q(pk__in=visible_schools(user).values("pk"))
        return school_filter(user, self.school_field)

    def instances_user_has_any_permission_for(self, user, actions):
        return (
            super().instances_user_has_any_permission_for(user, actions).filter(self._scope_q(user))
        )

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_any_permission_for_instance(user, [action], instance)

    def user_has_any_permission_for_instance(self, user, actions, instance):
        if not self.user_has_any_permission(user, actions):
            return False
        if user.is_superuser:
            return True
        return self.model._default_manager.filter(self._scope_q(user), pk=instance.pk).exists()

    def user_has_any_permission(self, user, actions):
        actions = set(actions)
        if get_scope(user).read_only:
            # Authority staff read; whatever else a view asks for, they only get "view".
            actions &= {"view"}
        return any(
            super(SchoolScopedPermissionPolicy, self).user_has_permission(user, a) for a in actions
        )

    def user_has_permission(self, user, action):
        return self.user_has_any_permission(user, [action])
