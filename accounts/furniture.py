"""The admin's furniture, built once per user and language instead of on every page.

Every admin page packs Wagtail's sidebar (each menu item asked whether this user may
see it, then the whole menu packed for the browser through telepath) and renders the
keyboard-shortcuts dialog. On the học bạ editor that was 10 ms of CPU and a query
(the collection grants) of each open (issue 18), though both change only with who
the user is.

Both tags are remembered in the process's cache:
- the sidebar per sign-in (the session key) and for the facts it is drawn from that
  this request already knows: language, name, e-mail and avatar, the superuser flag,
  the user's permissions and roles, school and authority. What it does not key on,
  a page or collection grant of the user's groups, reaches the menu within
  `SIDEBAR_SECONDS` or at the next sign-in. The menu only shows the way: every URL
  still checks who may open it;
- the dialog per language, browser (its User-Agent says whether the keys read ⌘ or
  Ctrl) and the user's shortcuts setting.
"""

from __future__ import annotations

import hashlib

from django import template
from django.core.cache import cache
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from recordpages.permissions import get_scope

SIDEBAR_SECONDS = 300
DIALOG_SECONDS = 3600


def _digest(kind: str, facts: tuple) -> str:
    return f"hoso:furniture:{kind}:" + hashlib.sha256(repr(facts).encode()).hexdigest()


def sidebar_key(context) -> str | None:
    request = context.get("request")
    user = getattr(request, "user", None)
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if user is None or not user.is_authenticated or not session_key:
        return None
    scope = get_scope(user)
    profile = getattr(user, "wagtail_userprofile", None)
    return _digest(
        "sidebar",
        (
            session_key,
            get_language(),
            user.pk,
            user.get_username(),
            user.get_full_name(),
            user.email,
            str(profile.avatar) if profile is not None else "",
            user.is_superuser,
            sorted(user.get_all_permissions()),
            sorted(scope.roles),
            scope.school_id,
            scope.authority_path,
        ),
    )


def dialog_key(context) -> str | None:
    request = context.get("request")
    if request is None:
        return None
    profile = getattr(getattr(request, "user", None), "wagtail_userprofile", None)
    return _digest(
        "shortcuts",
        (
            get_language(),
            request.headers.get("User-Agent", ""),
            getattr(profile, "keyboard_shortcuts", True),
        ),
    )


class RememberedNode(template.Node):
    """A tag's output taken from the cache under `key(context)`, rendered and kept
    there when missing; rendered every time when the key is None."""

    def __init__(self, node: template.Node, key, seconds: int):
        self.node, self.key, self.seconds = node, key, seconds

    def render(self, context) -> str:
        key = self.key(context)
        if key is None:
            return self.node.render(context)
        html = cache.get(key)
        if html is None:
            html = str(self.node.render(context))
            cache.set(key, html, self.seconds)
        return mark_safe(html)  # noqa: S308 - the tag's own output, kept as rendered


def _remembered(compile_function, key, seconds: int):
    def compile_remembered(parser, token):
        return RememberedNode(compile_function(parser, token), key, seconds)

    compile_remembered.hoso_remembered = True
    return compile_remembered


REMEMBERED = {
    "sidebar_props": (sidebar_key, SIDEBAR_SECONDS),
    "keyboard_shortcuts_dialog": (dialog_key, DIALOG_SECONDS),
}


def remember_admin_furniture() -> None:
    """Wraps the two tags of wagtailadmin_tags before any template is compiled."""
    from wagtail.admin.templatetags.wagtailadmin_tags import register

    for name, (key, seconds) in REMEMBERED.items():
        compile_function = register.tags[name]
        if not getattr(compile_function, "hoso_remembered", False):
            register.tags[name] = _remembered(compile_function, key, seconds)
