"""Numbers as Vietnamese readers write them, for every report screen and chart: a
decimal comma, thousands grouped with a dot ("1.234"), a space before the percent
sign ("33,3 %"). One function per kind, so the table and the chart never disagree.
Spreadsheet exports keep plain numbers (a cell a program can add up); only what a
person reads goes through here."""

from __future__ import annotations

from django.utils import numberformat

# Non-breaking: "33,3" and "%" never land on two lines of a narrow table cell.
PERCENT_SPACE = "\xa0"


def vn_number(value: int | float, *, decimals: int = 0) -> str:
    """1234 → "1.234"; 1234.5 with one decimal → "1.234,5"."""
    return numberformat.format(
        value,
        decimal_sep=",",
        decimal_pos=decimals,
        grouping=3,
        thousand_sep=".",
        force_grouping=True,
    )


def vn_percent(value: int | float) -> str:
    """33.3 → "33,3 %"; a whole number shows no decimals ("100 %")."""
    rounded = round(float(value), 1)
    decimals = 0 if rounded.is_integer() else 1
    return f"{vn_number(rounded, decimals=decimals)}{PERCENT_SPACE}%"
