"""The organizing commands: albums, stars and hearts, from a terminal, as in the window.

ALBUM is an album's name; PHOTO a photo's id (as `--json` lists them) or its path. Each change
is one edit in the library's log: `album undo` takes it back.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import TYPE_CHECKING

from album.cli.common import (
    CommandError,
    add_library_option,
    open_library,
    photo_id,
    usage_error,
)

if TYPE_CHECKING:
    from album.organizer import Organizer


def _stars(text: str) -> int:
    if not text.isdigit() or not 0 <= int(text) <= 5:
        raise argparse.ArgumentTypeError(f"a rating is 0 to 5 stars, not {text!r}")
    return int(text)


def register(sub: argparse._SubParsersAction) -> None:
    def command(
        name: str, help_text: str, handler: Callable[[argparse.Namespace], int]
    ) -> argparse.ArgumentParser:
        parser = sub.add_parser(name, help=help_text, description=help_text)
        add_library_option(parser)
        parser.set_defaults(handler=handler)
        return parser

    p = command("albums", "list the albums with their photo counts", run_albums)
    p.add_argument("--json", action="store_true")
    p.add_argument("--photos", metavar="ALBUM", help="list one album's photos instead")

    p = command("album-add", "put photos in an album (made if there is none of that name)", run_add)
    p.add_argument("album", metavar="ALBUM")
    p.add_argument("photos", metavar="PHOTO", nargs="+")

    p = command("album-remove", "take photos out of an album (they stay in the library)", run_rm)
    p.add_argument("album", metavar="ALBUM")
    p.add_argument("photos", metavar="PHOTO", nargs="+")

    p = command("album-new", "make an empty album, or a smart album that keeps a search", run_new)
    p.add_argument("album", metavar="ALBUM")
    p.add_argument(
        "--search", metavar="TEXT", help='a smart album: "Ada Kyoto 2019", "★4+", "favourites"'
    )

    p = command("album-rename", "give an album another name", run_rename)
    p.add_argument("album", metavar="ALBUM")
    p.add_argument("name", metavar="NAME")

    p = command("album-delete", "delete an album (its photos stay in the library)", run_delete)
    p.add_argument("album", metavar="ALBUM")

    p = command("album-cover", "show this photo on the album's tile", run_cover)
    p.add_argument("album", metavar="ALBUM")
    p.add_argument("photo", metavar="PHOTO")

    p = command("rate", "give photos 0 to 5 stars (0 takes the stars off)", run_rate)
    p.add_argument("stars", type=_stars, metavar="STARS")
    p.add_argument("photos", metavar="PHOTO", nargs="+")

    p = command("favourite", "mark photos as favourites (♥)", run_favourite)
    p.add_argument("photos", metavar="PHOTO", nargs="+")
    p.add_argument("--off", action="store_true", help="take the heart off instead")


def _organize(args: argparse.Namespace, act: Callable[[Organizer], str | None]) -> int:
    """Open the library, make one change, say what it did."""
    from album.organizer import NoSuchAlbum, OrganizeError, Organizer

    with open_library(args) as library:
        try:
            said = act(Organizer(library))
        except NoSuchAlbum as exc:
            raise usage_error(str(exc)) from None
        except OrganizeError as exc:
            raise CommandError(str(exc)) from None
    if said:
        print(said)
    return 0


def _ids(organizer: Organizer, refs: list[str]) -> list[int]:
    return [photo_id(organizer.library, ref) for ref in refs]


def run_albums(args: argparse.Namespace) -> int:
    def act(organizer: Organizer) -> str:
        if args.photos:
            found = organizer.photos(organizer.album_named(args.photos).id)
            if args.json:
                return json.dumps([p._asdict() for p in found], indent=1)
            return "\n".join(p.path for p in found) or "No photos in that album."
        albums = organizer.albums()
        if args.json:
            return json.dumps(
                [
                    {
                        "id": a.id,
                        "name": a.name,
                        "photos": a.photos,
                        "search": a.search,
                        "cover_photo_id": getattr(organizer.cover(a.id), "id", None),
                    }
                    for a in albums
                ],
                indent=1,
                ensure_ascii=False,
            )
        if not albums:
            return "No albums yet (album album-add NAME PHOTO... makes one)."
        width = max(len(a.name) for a in albums)
        return "\n".join(
            f"{a.name:<{width}}  {a.photos:>6} photo{'s' * (a.photos != 1)}"
            + (f"  (smart: {a.search})" if a.smart else "")
            for a in albums
        )

    return _organize(args, act)


def run_add(args: argparse.Namespace) -> int:
    def act(organizer: Organizer) -> str:
        from album.store.albums import album_named

        ids = _ids(organizer, args.photos)
        album = album_named(organizer.library.conn, args.album)
        if album is None:
            organizer.create(args.album, ids)
            return f"Made the album “{' '.join(args.album.split())}” with {len(set(ids))} photos"
        return organizer.add(album.id, ids)

    return _organize(args, act)


def run_rm(args: argparse.Namespace) -> int:
    return _organize(
        args,
        lambda o: o.remove(o.album_named(args.album).id, _ids(o, args.photos)),
    )


def run_new(args: argparse.Namespace) -> int:
    def act(organizer: Organizer) -> str:
        organizer.create(args.album, [], args.search)
        kind = "smart album" if args.search is not None else "album"
        return f"Made the {kind} “{' '.join(args.album.split())}”"

    return _organize(args, act)


def run_rename(args: argparse.Namespace) -> int:
    def act(organizer: Organizer) -> str:
        organizer.rename(organizer.album_named(args.album).id, args.name)
        return f"Renamed “{args.album}” to “{' '.join(args.name.split())}”"

    return _organize(args, act)


def run_delete(args: argparse.Namespace) -> int:
    def act(organizer: Organizer) -> str:
        organizer.delete(organizer.album_named(args.album).id)
        return f"Deleted the album “{args.album}” (album undo brings it back)"

    return _organize(args, act)


def run_cover(args: argparse.Namespace) -> int:
    def act(organizer: Organizer) -> str:
        album = organizer.album_named(args.album)
        photo = photo_id(organizer.library, args.photo)
        if photo not in organizer.photo_ids(album.id):
            raise CommandError(f"that photo is not in “{album.name}”")
        organizer.set_cover(album.id, photo)
        return f"New cover for “{album.name}”"

    return _organize(args, act)


def run_rate(args: argparse.Namespace) -> int:
    return _organize(args, lambda o: o.rate(_ids(o, args.photos), args.stars))


def run_favourite(args: argparse.Namespace) -> int:
    return _organize(args, lambda o: o.favourite(_ids(o, args.photos), not args.off))
