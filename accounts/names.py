"""People's names in Vietnamese order, everywhere a name is shown.

Accounts keep the family and middle names in `last_name` and the given name in
`first_name` ("Nguyễn Thị" / "Lan"), as the staff screen and the imports split
them. Django's `get_full_name()` joins them first-last ("Lan Nguyễn Thị"), the
English order; Wagtail's admin, the audit log, the history panel and the e-mails
all call it. `use_vietnamese_order()` makes it "Nguyễn Thị Lan" for every caller,
and puts the same full name in the admin's account menu, where Wagtail shows
`first_name` alone (the given name, "Lan", which reads as someone else's name).
"""

from __future__ import annotations

# Person names are owned by recordpages (the people); re-exported for existing imports.
from recordpages.names import clean_person_name, validate_person_name

__all__ = [
    "clean_person_name",
    "use_vietnamese_order",
    "validate_person_name",
    "vietnamese_full_name",
]


def vietnamese_full_name(user) -> str:
    return " ".join(part for part in (user.last_name, user.first_name) if part).strip()


def use_vietnamese_order() -> None:
    from django.contrib.auth import get_user_model

    User = get_user_model()
    if getattr(User.get_full_name, "_vietnamese_order", False):
        return

    def get_full_name(self) -> str:
        return vietnamese_full_name(self)

    get_full_name._vietnamese_order = True
    User.get_full_name = get_full_name
    _full_name_in_account_menu()


def _full_name_in_account_menu() -> None:
    from wagtail.admin.ui.sidebar import MainMenuModule
    from wagtail.admin.utils import get_user_display_name

    if getattr(MainMenuModule.js_args, "_vietnamese_order", False):
        return
    stock_js_args = MainMenuModule.js_args

    def js_args(self) -> list:
        menu_items, account_menu_items, account = stock_js_args(self)
        return [
            menu_items,
            account_menu_items,
            {**account, "name": get_user_display_name(self.user)},
        ]

    js_args._vietnamese_order = True
    MainMenuModule.js_args = js_args
