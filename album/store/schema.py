"""The library's tables, and the migrations that bring an older library up to date.

Decisions are facts; everything else is derived. `faces.label_source = 'user'`, `removed` faces,
`rejections` and the people's names and birthdays record what a person decided and nothing
automatic may change them. Boxes, embeddings, crops, `auto` / `cluster` labels and unnamed
people can always be recomputed.

Migration N (index N-1 of MIGRATIONS) brings `PRAGMA user_version` from N-1 to N. Each runs
in one transaction, after a backup copy of the library.
"""

from __future__ import annotations

SCHEMA_V1 = """
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT
);

-- Folders the user added: the scan's starting points, and what "missing" is relative to.
CREATE TABLE roots (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    added_at REAL NOT NULL
);

CREATE TABLE photos (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    raw_path BLOB,                  -- exact bytes, only for names that are not UTF-8
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    content_hash TEXT,              -- recognises a moved or renamed file
    width INTEGER,                  -- upright, in pixels
    height INTEGER,
    taken_at TEXT,                  -- ISO 8601 from EXIF, when there is one
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'error')),
    error TEXT,
    missing INTEGER NOT NULL DEFAULT 0,   -- offline or gone: never deleted for that
    fingerprint TEXT,               -- settings the analysis ran with
    detector TEXT,
    analyzed_at REAL
);
CREATE INDEX photos_size ON photos(size);
CREATE INDEX photos_hash ON photos(content_hash);
CREATE INDEX photos_status ON photos(status);

CREATE TABLE people (
    id INTEGER PRIMARY KEY,
    name TEXT UNIQUE COLLATE NOCASE,      -- NULL: an unnamed group found by clustering
    hidden INTEGER NOT NULL DEFAULT 0,
    cover_face_id INTEGER,
    created_at REAL NOT NULL
);

CREATE TABLE faces (
    id INTEGER PRIMARY KEY,
    photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
    top INTEGER NOT NULL,           -- box in the upright original's pixels
    right INTEGER NOT NULL,
    bottom INTEGER NOT NULL,
    left INTEGER NOT NULL,
    score REAL,
    embedding BLOB,                 -- float32[128]; NULL once forgotten
    crop BLOB,                      -- small square JPEG for the people views
    person_id INTEGER REFERENCES people(id) ON DELETE SET NULL,
    label_source TEXT CHECK (label_source IN ('user', 'auto', 'cluster')),
    confidence REAL,
    removed INTEGER NOT NULL DEFAULT 0,   -- the user said "not a face" (or forgot it)
    manual INTEGER NOT NULL DEFAULT 0,    -- drawn by the user, not found by the detector
    CHECK ((person_id IS NULL) = (label_source IS NULL))
);
CREATE INDEX faces_photo ON faces(photo_id);
CREATE INDEX faces_person ON faces(person_id);
-- Two faces in one photo are never the same person.
CREATE UNIQUE INDEX faces_one_person_per_photo ON faces(photo_id, person_id)
    WHERE person_id IS NOT NULL;

-- "This face is not that person": never proposed again.
CREATE TABLE rejections (
    face_id INTEGER NOT NULL REFERENCES faces(id) ON DELETE CASCADE,
    person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    created_at REAL NOT NULL,
    PRIMARY KEY (face_id, person_id)
) WITHOUT ROWID;

-- Every people edit, with what undo needs to restore the state before it.
CREATE TABLE edits (
    id INTEGER PRIMARY KEY,
    at REAL NOT NULL,
    kind TEXT NOT NULL,
    summary TEXT NOT NULL,
    before TEXT NOT NULL,           -- JSON: rows as they were
    after TEXT NOT NULL,            -- JSON: rows as the edit left them (for redo)
    undone INTEGER NOT NULL DEFAULT 0
);
"""

# v2: the user said two people are different: never suggest merging them again.
SCHEMA_V2 = """
CREATE TABLE distinct_people (
    a INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    b INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    created_at REAL NOT NULL,
    PRIMARY KEY (a, b),
    CHECK (a < b)
) WITHOUT ROWID;
"""

# v3, three changes in one rebuild of `faces` (SQLite cannot change a CHECK; dropping `faces`
# would cascade into `rejections`, so they are kept aside and put back):
# - names read from the photos' own files (XMP regions, Picasa): `label_source = 'file'` is a
#   decision like 'user' (a person made it in another program); `file_name` is what the file
#   said when last read, so an older file never undoes a rename made in album. Photos analyzed
#   before v3 have `names_state` NULL: their files were never read for names.
# - each face remembers the unnamed group the clustering last put it in (`group_id`), so an
#   automatic match that a later edit withdraws sends the face back to its group, not to nobody.
# - crops leave `faces` for a table of their own: inline, every label change rewrote a 5 KB row
#   (naming a 5,357-face group spent 2.2 s in SQLite) and every read of the embeddings paged
#   through 760 MB of crops at 150k faces; and the people counts read an index that covers
#   them (count(*) over faces read every crop: 138 ms against 0 ms index-only at 150k faces).
SCHEMA_V3 = """
CREATE TEMP TABLE v3_rejections AS SELECT * FROM rejections;
CREATE TEMP TABLE v3_crops AS SELECT id AS face_id, crop FROM faces WHERE crop IS NOT NULL;
CREATE TABLE faces_v3 (
    id INTEGER PRIMARY KEY,
    photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
    top INTEGER NOT NULL,           -- box in the upright original's pixels
    right INTEGER NOT NULL,
    bottom INTEGER NOT NULL,
    left INTEGER NOT NULL,
    score REAL,
    embedding BLOB,                 -- float32[128]; NULL once forgotten
    person_id INTEGER REFERENCES people(id) ON DELETE SET NULL,
    label_source TEXT CHECK (label_source IN ('user', 'auto', 'cluster', 'file')),
    confidence REAL,
    removed INTEGER NOT NULL DEFAULT 0,   -- the user said "not a face" (or forgot it)
    manual INTEGER NOT NULL DEFAULT 0,    -- drawn by the user, not found by the detector
    group_id INTEGER,               -- a people id, or a group since emptied
    file_name TEXT,                 -- the name the photo's file gave this face when last read
    CHECK ((person_id IS NULL) = (label_source IS NULL))
);
INSERT INTO faces_v3 SELECT id, photo_id, top, right, bottom, left, score, embedding,
    person_id, label_source, confidence, removed, manual,
    CASE WHEN label_source = 'cluster' THEN person_id END, NULL FROM faces;
DROP TABLE faces;
ALTER TABLE faces_v3 RENAME TO faces;
CREATE INDEX faces_photo ON faces(photo_id);
CREATE INDEX faces_person ON faces(person_id, removed, label_source, photo_id, score);
CREATE UNIQUE INDEX faces_one_person_per_photo ON faces(photo_id, person_id)
    WHERE person_id IS NOT NULL;
INSERT INTO rejections SELECT * FROM v3_rejections;
DROP TABLE v3_rejections;

CREATE TABLE face_crops (
    face_id INTEGER PRIMARY KEY REFERENCES faces(id) ON DELETE CASCADE,
    crop BLOB NOT NULL              -- small square JPEG for the people views; derived
);
INSERT INTO face_crops SELECT * FROM v3_crops;
DROP TABLE v3_crops;

ALTER TABLE photos ADD COLUMN names_state TEXT;   -- sidecars' size:mtime when names were read
ALTER TABLE photos ADD COLUMN names_error TEXT;   -- why a file's names could not be read

-- Names a file gives without a box, on a photo with several faces: Review asks about them.
CREATE TABLE name_hints (
    photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    PRIMARY KEY (photo_id, name)
) WITHOUT ROWID;

-- Files album wrote names into, so `forget` can take a person out of them again.
CREATE TABLE written_files (
    path TEXT PRIMARY KEY,
    photo_id INTEGER REFERENCES photos(id) ON DELETE SET NULL,
    names TEXT NOT NULL,            -- JSON list of the names album put there
    written_at REAL NOT NULL
);
"""

# v4: face crops leave the library for the cache file beside it (`album.store.crop_cache`):
# they were 762 MB of a 928 MB library at 150k faces, and every backup, VACUUM and page read
# paid for pictures that can be cut from the photos again. Before this runs the library copies
# them into the cache as they are (`Library._crops_to_cache`); after it, a VACUUM gives the
# space back.
SCHEMA_V4 = """
DROP TABLE face_crops;
"""
CROPS_LEAVE_VERSION = 4
V3_CROP_SIDE = 160  # the side every crop was cut at before the cache (Settings.crop_size)

# v5: how sharp each face is (album.faces.quality): Review, matching and grouping leave out the
# faces nobody could recognise. NULL for faces analyzed before (and drawn by the user): they
# count as recognisable until their photo is analyzed again.
SCHEMA_V5 = """
ALTER TABLE faces ADD COLUMN sharpness REAL;
"""

# v6: a person's birthday (ISO date, YYYY-MM-DD), so the window can say how old they were in
# each photo. A user decision like the name: only a people edit sets it, undo takes it back,
# and nothing automatic touches it. NULL: not given.
SCHEMA_V6 = """
ALTER TABLE people ADD COLUMN birthday TEXT;
"""

# v7: how crowded the grouping found each face's neighbourhood (album.people.cluster), kept
# so that matching after an edit shrinks its threshold as the last regroup did. Derived:
# NULL until a regroup measures it, read as 1 (no crowd).
SCHEMA_V7 = """
ALTER TABLE faces ADD COLUMN crowding REAL;
"""

# v8: where each photo was taken, read from its EXIF GPS or XMP (album.interop.places), and
# the place's name there (album.geocode): the Places page and the search find photos by it.
# Derived: NULL without coordinates; country NULL until named, '' where no place is near.
SCHEMA_V8 = """
ALTER TABLE photos ADD COLUMN latitude REAL;
ALTER TABLE photos ADD COLUMN longitude REAL;
ALTER TABLE photos ADD COLUMN city TEXT;
ALTER TABLE photos ADD COLUMN region TEXT;
ALTER TABLE photos ADD COLUMN country TEXT;
CREATE INDEX photos_place ON photos(country, region, city);
"""

# v9: when each photo was taken as the timeline sorts it: EXIF's local time (its first 19
# characters, the zone left off: the time on the clock where the photo was taken), else the
# file's time in this computer's zone (a guess: the timeline marks it), '' with neither.
# Derived, kept by these triggers whatever writes the photo row; indexed, so the Photos page
# reads the newest photos first without sorting 100,000 rows (0.28 s).
_MOMENT = (
    "CASE WHEN NEW.taken_at IS NOT NULL THEN substr(NEW.taken_at, 1, 19) "
    "WHEN NEW.mtime_ns > 0 THEN strftime('%Y-%m-%dT%H:%M:%S', NEW.mtime_ns / 1000000000, "
    "'unixepoch', 'localtime') ELSE '' END"
)
SCHEMA_V9 = f"""
ALTER TABLE photos ADD COLUMN moment TEXT NOT NULL DEFAULT '';
CREATE TRIGGER photos_moment_new AFTER INSERT ON photos BEGIN
    UPDATE photos SET moment = {_MOMENT} WHERE id = NEW.id;
END;
CREATE TRIGGER photos_moment_changed AFTER UPDATE OF taken_at, mtime_ns ON photos BEGIN
    UPDATE photos SET moment = {_MOMENT} WHERE id = NEW.id;
END;
UPDATE photos SET moment = {_MOMENT.replace("NEW.", "")};
CREATE INDEX photos_moment ON photos(moment);
"""

# v10: albums and ratings, both decisions a person made, like names.
# - `albums`: a plain album holds the photos put in it (`album_photos`, in the user's order);
#   a smart album holds a saved search (album.store.search) and no photos: it is read afresh.
#   Photos keep their id across rescans and moves (relinked by content hash), so an album
#   survives both; a photo removed from the library leaves its albums.
# - `photos.rating` (0-5 stars, NULL: none known) and `favourite`; `rated` says where the
#   rating came from: 'file' (read from XMP/EXIF on scan, replaced when the file changes) or
#   'user' (set in album: a decision no file read may change, written back to the files).
SCHEMA_V10 = """
ALTER TABLE photos ADD COLUMN rating INTEGER CHECK (rating BETWEEN 0 AND 5);
ALTER TABLE photos ADD COLUMN favourite INTEGER NOT NULL DEFAULT 0;
ALTER TABLE photos ADD COLUMN rated TEXT CHECK (rated IN ('file', 'user'));
CREATE INDEX photos_rating ON photos(rating) WHERE rating > 0;
CREATE INDEX photos_favourite ON photos(favourite) WHERE favourite = 1;

CREATE TABLE albums (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    search TEXT,                    -- a smart album's saved search; NULL for a plain album
    cover_photo_id INTEGER REFERENCES photos(id) ON DELETE SET NULL,
    position REAL NOT NULL,         -- the sidebar's order
    created_at REAL NOT NULL
);

CREATE TABLE album_photos (
    album_id INTEGER NOT NULL REFERENCES albums(id) ON DELETE CASCADE,
    photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
    position REAL NOT NULL,         -- the user's order inside the album
    PRIMARY KEY (album_id, photo_id)
) WITHOUT ROWID;
CREATE INDEX album_photos_photo ON album_photos(photo_id);
"""

# v11: each photo's perceptual hash (album.duplicates.perceptual_hash, a signed 64-bit
# integer), so `album duplicates` finds near copies: the same picture resized, recompressed or
# lightly edited, a burst's next frame. Derived: NULL until the photo is analysed with this
# version (and for photos that failed); exact copies need none, their content hashes match.
SCHEMA_V11 = """
ALTER TABLE photos ADD COLUMN phash INTEGER;
"""

# v12: videos are rows of `photos` (album.video): the timeline, albums, ratings and people
# pages show them as they show photos. `kind` says which a row is (from the file's name, so a
# video that cannot be decoded is still known as one); `duration` is a video's length in
# seconds (NULL for a photo, and for a video not analysed yet). A video's faces come from a
# few of its frames: `faces.frame_ms` is the frame a face's box is in, where its crop is cut
# again (NULL for a photo's faces). Derived, like the boxes.
SCHEMA_V12 = """
ALTER TABLE photos ADD COLUMN kind TEXT NOT NULL DEFAULT 'photo' CHECK (kind IN ('photo', 'video'));
ALTER TABLE photos ADD COLUMN duration REAL;
ALTER TABLE faces ADD COLUMN frame_ms INTEGER;
"""

# v13, copies (issue 22): `photos.copy_of` is the photo of its set of copies album keeps
# (album.duplicates.find_sets's keeper), NULL for a keeper and for a photo with no copy.
# Derived, recomputed after each scan that analysed or moved photos: it lets a person's photo
# count and the grouping take a set of copies once, before the user decides anything.
# `copies_kept` is a decision: the user said "keep all" to a set (not copies, or copies they
# want), holding the id of that set's keeper; a set whose photos all carry one mark is not
# shown again, and a new copy of it brings it back.
SCHEMA_V13 = """
ALTER TABLE photos ADD COLUMN copy_of INTEGER;
ALTER TABLE photos ADD COLUMN copies_kept INTEGER;
CREATE INDEX photos_copy_of ON photos(copy_of) WHERE copy_of IS NOT NULL;
"""

# v14, stacks (issue 22): one photo kept as several files in one folder, a RAW beside the JPEG
# the camera made or an edit beside its original (album.stacks), is one photo. `stack_of` is
# the id of the stack's top (the version shown, analysed and named) on each other version,
# NULL on a top and on a photo alone; `stack_label` is what a top's tile says of its stack
# ("RAW+JPEG", "3 versions"), NULL elsewhere. Both derived from the files' names, recomputed
# by every scan. A version under a top is recorded (size, time, hash: a rescan knows it) but
# not analysed, and holds no faces: what the user decided about its faces went to the top.
# `meta.stacks_due` asks the next scan to work the stacks out even if no file changed: a
# library from before stacks holds RAW+JPEG pairs analysed twice.
SCHEMA_V14 = """
ALTER TABLE photos ADD COLUMN stack_of INTEGER;
ALTER TABLE photos ADD COLUMN stack_label TEXT;
CREATE INDEX photos_stack_of ON photos(stack_of) WHERE stack_of IS NOT NULL;
INSERT OR REPLACE INTO meta (key, value) VALUES ('stacks_due', '1');
"""

MIGRATIONS: list[str] = [
    SCHEMA_V1,
    SCHEMA_V2,
    SCHEMA_V3,
    SCHEMA_V4,
    SCHEMA_V5,
    SCHEMA_V6,
    SCHEMA_V7,
    SCHEMA_V8,
    SCHEMA_V9,
    SCHEMA_V10,
    SCHEMA_V11,
    SCHEMA_V12,
    SCHEMA_V13,
    SCHEMA_V14,
]
LATEST_VERSION = len(MIGRATIONS)
