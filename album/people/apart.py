"""People the user kept apart ("Different people" in Review, `album keep-apart`) stay apart
when the faces are grouped again: the clustering's cannot-link pairs that say so.
"""

from __future__ import annotations

import numpy as np

# Two kept-apart groups of at most this many face pairs get a cannot-link for every pair.
ALL_PAIRS_UP_TO = 2500


def apart_links(old: np.ndarray, apart: set[tuple[int, int]]) -> list[tuple[int, int]]:
    """Cannot-link pairs (positions in `old`, each face's previous group or -1) that keep two
    groups the user kept apart ("Different people" in Review) from becoming one again.

    Without them a regroup from scratch joined two such look-alike groups (the majority's
    identity carried over, the other person was gone). Small groups are linked face by face;
    larger ones link every face of each group to the other group's first face, which keeps the
    two groups' cores apart at a cost that grows with their sizes, not their product.
    """
    if not apart:
        return []
    members: dict[int, list[int]] = {}
    for position, group in enumerate(old.tolist()):
        if group >= 0:
            members.setdefault(group, []).append(position)
    links: list[tuple[int, int]] = []
    for a, b in apart:
        of_a, of_b = members.get(a), members.get(b)
        if not of_a or not of_b:
            continue
        if len(of_a) * len(of_b) <= ALL_PAIRS_UP_TO:
            links.extend((i, j) for i in of_a for j in of_b)
        else:
            links.extend((i, of_b[0]) for i in of_a)
            links.extend((of_a[0], j) for j in of_b[1:])
    return links
