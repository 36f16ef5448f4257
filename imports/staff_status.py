"""What the staff list's "Trạng thái" says: the person works at the school, or is leaving it.

The export writes the status in words, in any case, with or without diacritics,
so they are compared folded. Any other text is a row error, not a guess: a wrong
guess either locks a working teacher out or leaves a retired one with access.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from imports.values import CellError
from recordpages.text import fold

WORKING = (
    gettext_noop("Đang làm việc"),
    gettext_noop("Đang công tác"),
    gettext_noop("Tạm nghỉ"),
)
LEAVING = (
    gettext_noop("Nghỉ hưu"),
    gettext_noop("Chuyển công tác"),
    gettext_noop("Chuyển đi"),
    gettext_noop("Thôi việc"),
    gettext_noop("Nghỉ việc"),
    gettext_noop("Đã nghỉ"),
)
_KNOWN = {fold(status): status for status in (*WORKING, *LEAVING)}


def leaving_status(text: str) -> str | None:
    """The leaving status the cell names, in its usual spelling; None for one still working
    (an empty cell included). CellError, listing the known statuses, for any other text."""
    if not text:
        return None
    status = _KNOWN.get(fold(text))
    if status is None:
        raise CellError(
            _("Trạng thái '%(value)s' không rõ; các trạng thái được hiểu: %(known)s.")
            % {"value": text, "known": ", ".join(_(known) for known in _KNOWN.values())}
        )
    return status if status in LEAVING else None


def working_label() -> str:
    """How the preview names the state of an account the import would close."""
    return _(WORKING[0])
