"""One search over people, places and dates: "Ada Kyoto", "Ada and Ben 2019", "Lisbon summer
2021", "Mum December".

The words are read in this order: people's names (the longest name first, so "Ada Lovelace"
is one person; a first name alone when only one person has it), years, months and seasons;
every other word must be found in where the photo was taken or in its folder's path, through
SQLite's FTS5 index, as a prefix ("kyo" finds Kyoto). People are matched by id, not by text:
a rename takes effect at once and never needs the index rebuilt.

The index is derived (place names and folders), so it lives in the cache file beside the
library, not in the library: it is never backed up, and a lost or stale one is rebuilt on the
next search (about a second at 100,000 photos).
"""

from __future__ import annotations

import json
import re
import sqlite3
import weakref
from dataclasses import dataclass, field

from album.people.ages import MONTH_NAMES
from album.store.library import Library
from album.store.queries import PhotoSummary
from album.store.timeline import count_where, timeline_where

SEASONS = {
    "spring": (3, 4, 5),
    "summer": (6, 7, 8),
    "autumn": (9, 10, 11),
    "fall": (9, 10, 11),
    "winter": (12, 1, 2),
}
_MONTHS = {name.casefold(): n for n, name in enumerate(MONTH_NAMES, start=1)} | {
    name[:3].casefold(): n for n, name in enumerate(MONTH_NAMES, start=1)
}
_IGNORED = {"and", "&", "in", "at", "with", "of", "the"}
# Stars and hearts, as digiKam and Lightroom users type them: "★4+", "4★", "4+ stars",
# "3 stars" (at least that many), "favourites", "♥".
_STARS = re.compile(r"★\s*([0-5])\s*\+?|([0-5])\s*\+?\s*(?:★+|stars?\b)", re.IGNORECASE)
_FAVOURITES = re.compile(r"[♥❤]\ufe0f?|\b(?:favou?rites?|hearts?|loved)\b", re.IGNORECASE)
_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*", re.UNICODE)

INDEX = """
CREATE VIRTUAL TABLE IF NOT EXISTS photo_words USING fts5(
    words, tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TABLE IF NOT EXISTS photo_words_state (stamp TEXT NOT NULL);
"""
# What the index was made from: it is rebuilt when this differs. Photos added, gone, analysed
# again or given a place name change it; a file moved without a change is found under its
# old folder's words until then.
_STAMP = (
    "SELECT count(*) || ':' || coalesce(max(id), 0) || ':' || total(analyzed_at) || ':' || "
    "count(country) FROM photos WHERE status = 'done'"
)
# The stamp (44 ms at 100,000 photos) is worked out again only when another connection has
# written to the library since (SQLite's data_version): not on every keystroke.
_stamps: weakref.WeakKeyDictionary[Library, tuple[int, str]] = weakref.WeakKeyDictionary()


@dataclass
class Search:
    people: list[int] = field(default_factory=list)
    names: list[str] = field(default_factory=list)  # as the library spells them
    years: list[int] = field(default_factory=list)
    months: list[int] = field(default_factory=list)
    words: list[str] = field(default_factory=list)  # to find in places and folders
    stars: int = 0  # at least this many
    favourites: bool = False

    @property
    def empty(self) -> bool:
        return not (
            self.people or self.years or self.months or self.words or self.stars or self.favourites
        )


def parse(text: str, people: list[tuple[int, str]]) -> Search:
    """What each word of `text` asks for, given the named people (id, name)."""
    found = Search()
    for match in _STARS.finditer(text):
        found.stars = max(found.stars, int(match.group(1) or match.group(2)))
    text = _STARS.sub(" ", text)
    found.favourites = bool(_FAVOURITES.search(text))
    text = _FAVOURITES.sub(" ", text)
    tokens = [t.casefold() for t in _WORD.findall(text)]
    by_words = {tuple(_WORD.findall(name.casefold())): (pid, name) for pid, name in people}
    firsts: dict[str, list[tuple[int, str]]] = {}
    for pid, name in people:
        words = _WORD.findall(name.casefold())
        if words:
            firsts.setdefault(words[0], []).append((pid, name))
    longest = max((len(k) for k in by_words), default=0)
    i = 0
    while i < len(tokens):
        for size in range(min(longest, len(tokens) - i), 0, -1):
            person = by_words.get(tuple(tokens[i : i + size]))
            if person is not None:
                break
        else:
            size = 1
            only = firsts.get(tokens[i], [])
            person = only[0] if len(only) == 1 else None
        token = tokens[i]
        if person is not None:
            if person[0] not in found.people:
                found.people.append(person[0])
                found.names.append(person[1])
        elif token.isdigit() and len(token) == 4 and 1800 <= int(token) <= 2200:
            found.years.append(int(token))
        elif token in _MONTHS:
            found.months.append(_MONTHS[token])
        elif token in SEASONS:
            found.months.extend(SEASONS[token])
        elif token not in _IGNORED:
            found.words.append(token)
        i += size
    return found


def named_people(conn: sqlite3.Connection) -> list[tuple[int, str]]:
    return conn.execute("SELECT id, name FROM people WHERE name IS NOT NULL").fetchall()


def describe(search: Search) -> str:
    """The search in words, for the line over its photos: "with Ada and Ben · July 2019"."""
    parts = []
    if search.names:
        parts.append("with " + " and ".join(search.names))
    when = [MONTH_NAMES[m - 1] for m in dict.fromkeys(search.months)]
    when += [str(y) for y in search.years]
    if when:
        parts.append(" ".join(when))
    if search.words:
        parts.append("“" + " ".join(search.words) + "”")
    if search.stars:
        parts.append("★" * search.stars + ("+" if search.stars < 5 else ""))
    if search.favourites:
        parts.append("♥ favourites")
    return " · ".join(parts)


def search_photos(
    library: Library,
    search: Search,
    limit: int = -1,
    place: tuple[str, str, str] | None = None,
) -> list[PhotoSummary]:
    """The photos that match every part of `search` (and were taken at `place`), newest
    first."""
    clauses = _clauses(library, search)
    if clauses is None:
        return []
    return timeline_where(library.conn, search.people, *clauses, limit, place)


def count_photos(library: Library, search: Search) -> int:
    """How many photos `search_photos` would find, without reading them."""
    clauses = _clauses(library, search)
    return 0 if clauses is None else count_where(library.conn, search.people, *clauses)


def _clauses(library: Library, search: Search) -> tuple[list[str], list[object]] | None:
    """The WHERE clauses (on `ph`) and their values for `search`; None when its words are
    found nowhere (nothing can match)."""
    where: list[str] = []
    values: list[object] = []
    if search.years:  # ranges of the indexed moment, not a look at every photo's
        years = sorted(set(search.years))
        where.append("(" + " OR ".join("(ph.moment >= ? AND ph.moment < ?)" for _ in years) + ")")
        values += [f"{edge:04d}" for y in years for edge in (y, y + 1)]
    if search.months:
        months = sorted(set(search.months))
        where.append(f"substr(ph.moment, 6, 2) IN ({', '.join('?' * len(months))})")
        values += [f"{m:02d}" for m in months]
    if search.stars:
        where.append("ph.rating >= ?")
        values.append(search.stars)
    if search.favourites:
        where.append("ph.favourite = 1")
    if search.words:
        ids = _matching(library, search.words)
        if not ids:
            return None
        # One JSON parameter: a temporary table filled row by row took 0.19 s for 8,500.
        where.append("ph.id IN (SELECT value FROM json_each(?))")
        values.append(json.dumps(sorted(ids)))
    return where, values


def _matching(library: Library, words: list[str]) -> set[int]:
    """Photos whose place or folder has every word (as the start of a word)."""
    query = " AND ".join('"' + w.replace('"', '""') + '"*' for w in words)
    for attempt in range(2):
        try:
            conn = _index(library)
            rows = conn.execute("SELECT rowid FROM photo_words WHERE photo_words MATCH ?", (query,))
            return {row[0] for row in rows}
        except sqlite3.OperationalError:
            raise  # busy: the search is asked again by the next keystroke
        except sqlite3.DatabaseError as exc:  # a damaged cache: replaced, the index rebuilt
            if attempt:
                raise
            library.crops.reset(str(exc))
    return set()


def _index(library: Library) -> sqlite3.Connection:
    """The cache's connection, with the index up to date with the library."""
    conn = library.crops.connection()
    for statement in INDEX.split(";"):
        if statement.strip():
            conn.execute(statement)
    stamp = _stamp(library)
    kept = conn.execute("SELECT stamp FROM photo_words_state").fetchone()
    if kept is None or kept[0] != stamp:
        rows = library.conn.execute(
            "SELECT id, coalesce(city, '') || ' ' || coalesce(region, '') || ' ' || "
            "coalesce(country, '') || ' ' || path FROM photos WHERE status = 'done'"
        )
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute("DELETE FROM photo_words")
            conn.executemany("INSERT INTO photo_words (rowid, words) VALUES (?, ?)", rows)
            conn.execute("DELETE FROM photo_words_state")
            conn.execute("INSERT INTO photo_words_state VALUES (?)", (stamp,))
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    return conn


def _stamp(library: Library) -> str:
    version = library.conn.execute("PRAGMA data_version").fetchone()[0]
    seen = _stamps.get(library)
    if seen is not None and seen[0] == version:
        return seen[1]
    stamp = str(library.conn.execute(_STAMP).fetchone()[0])
    _stamps[library] = (version, stamp)
    return stamp
