"""Issue 19: matching uses age where it knows it. Babies look alike to dlib: two children's
baby photos, four years apart, were one group, and naming one child's baby photos filed the
other child's as theirs. A birthday says when a person could first be in a photo: a face in a
photo taken before it is never matched to them, and the person's suggestions are matched again
the moment the birthday is given. Real FG-NET photos of two children, dated as a family camera
would have dated them."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import album, export


def faces_by_photo(library: Path) -> dict[str, tuple[int, str | None, str | None]]:
    data = export(library)
    names = {p["id"]: p["name"] for p in data["people"]}
    return {
        Path(photo["path"]).name: (face["id"], names.get(face["person_id"]), face["label_source"])
        for photo in data["photos"]
        for face in photo["faces"]
    }


def test_a_birthday_keeps_an_older_childs_baby_photos_off_the_baby(tmp_path: Path, faces: Path):
    folder = tmp_path / "Pictures"
    folder.mkdir()
    for child in ("fgnet_066", "fgnet_074"):  # 066 born in 1997, 074 in 1993
        for photo in (faces / "children" / child).iterdir():
            shutil.copy(photo, folder / photo.name)
    library = tmp_path / "library.db"
    album("scan", folder, "--library", library, timeout=900)
    found = faces_by_photo(library)
    for photo in ("01_066A00.jpg", "02_066A02a.jpg"):  # Ben's first photos, at 0 and 2
        album("name", "--face", str(found[photo][0]), "Ben", "--library", library)
    album("cluster", "--library", library)
    older_babies = ["01_074A00.jpg", "02_074A01.jpg", "03_074A02.jpg"]  # 1993-1995
    before = faces_by_photo(library)
    assert any(before[p][1] == "Ben" for p in older_babies), "nothing to test: none was Ben"

    out = album("birthday", "Ben", "1997-07-01", "--library", library)
    assert "1 July 1997" in out.stdout
    after = faces_by_photo(library)
    assert [p for p in older_babies if after[p][1] == "Ben"] == []
    # Ben's own photos since his birthday keep their names and suggestions.
    assert after["01_066A00.jpg"][1:] == ("Ben", "user")
    kept = [p for p, (_, name, source) in before.items() if name == "Ben" and "066" in p]
    assert kept and all(after[p][1] == "Ben" for p in kept)

    album("cluster", "--library", library)  # and a regroup keeps it so
    again = faces_by_photo(library)
    assert [p for p in older_babies if again[p][1] == "Ben"] == []
