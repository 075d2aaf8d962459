"""Issue 19: every name a user gives should make the grouping of the rest better. Naming two
faces of a person used to take only the faces near those two: the rest of the person's group
stayed apart, unnamed, so after naming the person showed fewer of their photos than the group
had held before (benchmarks/people_quality.py: 0.741 -> 0.642 of their other faces). Now a
group that is clearly the named person's follows the name, as suggestions. Real web photos of
four actors of one film, scanned for real."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import album, export

CAST = ["claire_dearing", "ellie_sattler", "owen_grady", "alan_grant"]
NAMED = {"claire_dearing": "Claire", "ellie_sattler": "Ellie"}


def test_two_named_faces_bring_their_group_under_the_name(tmp_path: Path, faces: Path):
    folder = tmp_path / "Pictures"
    folder.mkdir()
    truth: dict[str, str] = {}
    for person in CAST:
        for photo in sorted((faces / "web-celebs" / person).iterdir()):
            shutil.copy(photo, folder / f"{person}--{photo.name}")
            truth[f"{person}--{photo.name}"] = person
    library = tmp_path / "library.db"
    album("scan", folder, "--library", library, timeout=900)

    def main_faces() -> dict[str, list[dict]]:
        found: dict[str, list[dict]] = {p: [] for p in CAST}
        for photo in export(library)["photos"]:
            if photo["faces"]:
                main = max(photo["faces"], key=area)
                found[truth[Path(photo["path"]).name]].append(main)
        return found

    named: set[int] = set()
    for person, name in NAMED.items():
        for face in main_faces()[person][:2]:
            album("name", "--face", str(face["id"]), name, "--library", library)
            named.add(face["id"])
    album("cluster", "--library", library)

    people = {p["id"]: p["name"] for p in export(library)["people"]}
    found = main_faces()
    # Before: Claire 14 of her 29 other faces (her group stayed apart), Ellie 15 of 28; now 20.
    least = {"Claire": 0.6, "Ellie": 0.5}
    for person, name in NAMED.items():
        others = [f for f in found[person] if f["id"] not in named]
        under = [f for f in others if people.get(f["person_id"]) == name]
        share = len(under) / len(others)
        assert share >= least[name], f"{name}: {len(under)} of {len(others)} under the name"
    for person, faces_of in found.items():
        for face in faces_of:
            name = people.get(face["person_id"])
            assert name is None or NAMED.get(person) == name, f"{person} filed as {name}"


def area(face: dict) -> int:
    top, right, bottom, left = face["box"]
    return (bottom - top) * (right - left)
