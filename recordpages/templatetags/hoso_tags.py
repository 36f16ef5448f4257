from django import template

from recordpages import programme
from recordpages.blocks import LESSON_STAGE_CHOICES, SESSION_CHOICES, WEEKDAY_CHOICES

register = template.Library()

_WEEKDAYS = dict(WEEKDAY_CHOICES)
_SESSIONS = dict(SESSION_CHOICES)
_STAGES = dict(LESSON_STAGE_CHOICES)


@register.filter
def subject_name(code):
    subject = programme.SUBJECTS_BY_CODE.get(code)
    return subject.name if subject else code


@register.filter
def weekday_name(value):
    try:
        return _WEEKDAYS.get(int(value), value)
    except (TypeError, ValueError):
        return value


@register.filter
def session_name(value):
    return _SESSIONS.get(value, value)


@register.filter
def lesson_stage(value):
    return _STAGES.get(value, value)
