"""Issue 21: a photo's coordinates named as a family would name the place, offline.

Nearest-place lookup names neighbourhoods (central Lisbon "Intendente"), a population floor
names the wrong town (Chamonix "Lausanne", in Switzerland). These are places photos are taken,
each with the name a person there would give it, and two with none (at sea, far from land).
"""

from __future__ import annotations

import pytest

from album.geocode import name_places

LANDMARKS = {
    "Rossio, Lisbon": ((38.7139, -9.1394), "Lisbon, Portugal"),
    "Shibuya crossing": ((35.6595, 139.7005), "Tokyo, Japan"),
    "Yokohama station": ((35.4660, 139.6223), "Yokohama, Kanagawa, Japan"),
    "Louvre": ((48.8606, 2.3376), "Paris, Île-de-France, France"),
    "Chamonix": ((45.9237, 6.8694), "Chamonix-Mont-Blanc, Auvergne-Rhône-Alpes, France"),
    "Yosemite Valley": ((37.7456, -119.5936), "Yosemite Valley, California, United States"),
    "Victoria Harbour": ((22.2855, 114.1577), "Hong Kong"),
    "Gyeongbokgung, Seoul": ((37.5796, 126.9770), "Seoul, Korea, Republic of"),
    "Oakland": ((37.8044, -122.2712), "Oakland, California, United States"),
    "Sapporo": ((43.0618, 141.3545), "Sapporo, Hokkaido, Japan"),
}
NOWHERE = {"mid-Atlantic": (0.5, -20.0), "South Pacific": (-40.0, -130.0)}


@pytest.mark.parametrize("where", LANDMARKS)
def test_a_place_is_named_as_people_there_name_it(where: str):
    point, name = LANDMARKS[where]
    (found,) = name_places([point])
    assert str(found) == name


def test_far_from_any_place_a_photo_has_no_place_name():
    assert name_places(list(NOWHERE.values())) == [None, None]


def test_many_photos_are_named_in_one_call_in_order():
    points = [point for point, _ in LANDMARKS.values()] * 50
    names = [str(n) for n in name_places(points)]
    assert names == [name for _, name in LANDMARKS.values()] * 50
