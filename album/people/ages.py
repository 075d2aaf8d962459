"""How old a person was in a photo: their birthday against the photo's date.

Pure values (no library, no Qt) so the window's tiles, the CLI's checks and the tests share one
rule. A photo's date is `photos.taken_at`: ISO 8601 from EXIF, possibly with a time and an
offset, possibly missing. Only its calendar date counts: the camera's local day is the day the
family remembers, so an offset never moves a photo to another day. No date, or a date before
the birthday, gives no age: an age we cannot stand behind is worse than none.

A person's page groups their photos by year under headings ("2015 · 4–5 years old · 12 photos");
the grouping and the heading's words are here too, so they follow the same rule as the tiles.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

# Under this many years an age reads in months: "8 months" says more about a baby than "0".
MONTHS_UNTIL_YEARS = 2
# A birthday before this is a typing mistake, not a person in a photo album.
EARLIEST_BIRTHDAY = date(1850, 1, 1)
MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
NO_DATE = "No date"  # the heading over the photos without a date, which come last
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATE_PREFIX = re.compile(r"(\d{4})[-:](\d{2})[-:](\d{2})")


T = TypeVar("T")


class BirthdayError(ValueError):
    """A birthday that cannot be taken as typed; the message says why, for the user."""


@dataclass(frozen=True)
class Age:
    years: int
    months: int  # whole months since birth (not the months past the last birthday)

    def __str__(self) -> str:
        if self.months < MONTHS_UNTIL_YEARS * 12:
            if self.months == 0:
                return "newborn"
            return f"{self.months} month{'s' * (self.months != 1)}"
        return f"{self.years} years"


def parse_birthday(text: str, today: date | None = None) -> date:
    """A birthday typed as YYYY-MM-DD: a real calendar day, not in the future. Strict on
    purpose: "3/4/2015" means different days in different countries."""
    text = text.strip()
    if not _ISO_DATE.fullmatch(text):
        raise BirthdayError(f"{text!r} is not a date: write it as YYYY-MM-DD, e.g. 2015-03-12")
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise BirthdayError(f"{text} is not a day of the calendar") from None
    check_birthday(day, today)
    return day


def check_birthday(day: date, today: date | None = None) -> None:
    """Raise BirthdayError for a day nobody in the album can have been born on."""
    today = today or date.today()
    if day > today:
        raise BirthdayError(f"{day.isoformat()} is in the future")
    if day < EARLIEST_BIRTHDAY:
        raise BirthdayError(f"{day.isoformat()} is too long ago for a birthday")


def photo_date(taken_at: str | None) -> date | None:
    """The calendar day of a photo's `taken_at`, or None when it has none (or a broken one:
    cameras write "0000:00:00" when their clock was never set)."""
    if not taken_at:
        return None
    found = _DATE_PREFIX.match(taken_at.strip())
    if found is None:
        return None
    try:
        return date(int(found[1]), int(found[2]), int(found[3]))
    except ValueError:
        return None


def age_at(birthday: date, taken: date) -> Age | None:
    """Whole years and months from `birthday` to `taken`; None before the birthday."""
    if taken < birthday:
        return None
    months = (taken.year - birthday.year) * 12 + taken.month - birthday.month
    if taken.day < birthday.day:
        months -= 1  # the month is not complete until the day of the month comes round
    return Age(months // 12, months)


def age_in_photo(birthday: date | str | None, taken_at: str | None) -> Age | None:
    """A person's age in a photo, or None: no birthday, no photo date, or taken before."""
    if birthday is None:
        return None
    born = birthday if isinstance(birthday, date) else stored_birthday(birthday)
    taken = photo_date(taken_at)
    if born is None or taken is None:
        return None
    return age_at(born, taken)


def photo_caption(birthday: date | str | None, taken_at: str | None) -> str:
    """What a tile on a person's page says under a face: the photo's year and the age then
    ("2015 · 5 years"), the year alone before the birth, "no date" for an undated photo."""
    taken = photo_date(taken_at)
    if taken is None:
        return "no date"
    age = age_in_photo(birthday, taken_at)
    return f"{taken.year} · {age}" if age is not None else str(taken.year)


def long_date(day: date | str) -> str:
    """A date as people write it ("12 March 2015"), the same whatever the locale."""
    if isinstance(day, str):
        parsed = stored_birthday(day)
        if parsed is None:
            return day
        day = parsed
    return f"{day.day} {MONTH_NAMES[day.month - 1]} {day.year}"


def stored_birthday(text: str | None) -> date | None:
    """A birthday as the library keeps it (YYYY-MM-DD), or None (none, or unreadable)."""
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def by_year(
    items: Sequence[T], taken_at: Callable[[T], str | None]
) -> list[tuple[int | None, list[T]]]:
    """Items grouped by the year their photo was taken: the years in order, the undated (None)
    last, each group in the order given. Grouped by the calendar date `photo_date` reads, not
    by the text: a camera's "0000:00:00" sorts first as text but is no date at all."""
    groups: dict[int | None, list[T]] = {}
    for item in items:
        taken = photo_date(taken_at(item))
        groups.setdefault(taken.year if taken else None, []).append(item)
    years = sorted(groups, key=lambda year: (year is None, year or 0))
    return [(year, groups[year]) for year in years]


def years_old(found: Iterable[Age]) -> str | None:
    """How old someone was across one year's photos: "5 years old", "4–5 years old" (a year
    holds a birthday, so usually two ages), "3–11 months old", "newborn"; None without an age.
    The ends are worded as the tiles word them, so a heading never contradicts its tiles."""
    months = sorted({age.months for age in found})
    if not months:
        return None
    youngest, oldest = Age(months[0] // 12, months[0]), Age(months[-1] // 12, months[-1])
    if oldest.months == 0:
        return "newborn"
    if str(youngest) == str(oldest):
        return f"{oldest} old"
    in_months = oldest.months < MONTHS_UNTIL_YEARS * 12
    in_years = youngest.months >= MONTHS_UNTIL_YEARS * 12
    if in_months:
        return f"{youngest.months}–{oldest} old"  # "0–3 months old", not "newborn–3 months"
    if in_years:
        return f"{youngest.years}–{oldest} old"
    low = f"{youngest.months} month{'s' * (youngest.months != 1)}"
    return f"{low}–{oldest} old"


def year_heading(
    birthday: date | str | None, year: int | None, photos_taken: Sequence[str | None]
) -> str:
    """The heading over one year's photos on a person's page: "2015 · 4–5 years old · 12
    photos"; the year and the count alone when no photo of that year has an age (taken before
    the birthday); "No date · 3 photos" over the undated. `photos_taken` holds each photo's
    `taken_at` once, however many of its faces the group shows."""
    count = len(photos_taken)
    counted = f"{count} photo{'s' * (count != 1)}"
    if year is None:
        return f"{NO_DATE} · {counted}"
    found = (age_in_photo(birthday, taken) for taken in photos_taken)
    old = years_old(age for age in found if age is not None)
    return f"{year} · {old} · {counted}" if old else f"{year} · {counted}"
