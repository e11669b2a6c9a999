"""Questions the help did not answer, grouped by what they ask, so that staff see which are asked most.

Two questions are alike when their terms (as the index reads them: slang undone, typos corrected, stems) mostly
overlap (rapidfuzz's token-set ratio, which does not mind one being longer). Each group is led by its first
question; a question joins the first group whose leader it is alike enough to, else leads a new one. Plain, and
predictable for a page that is read by people: no question moves between groups as others arrive.
"""

from __future__ import annotations

from collections.abc import Sequence

from rapidfuzz import fuzz, process

from core.faq.index import FaqIndex

ALIKE = 70  # out of 100: "jam buka kantor" and "kantor buka jam brp" are one; "biaya" and "visa" are not


def group(index: FaqIndex, texts: Sequence[str], alike: int = ALIKE) -> list[list[int]]:
    """The positions of `texts` in groups of alike questions, each group in the order given, the largest first
    (ties: the group whose leader came first)."""
    terms = [" ".join(sorted(index.terms(t))) or t.casefold() for t in texts]
    if not terms:
        return []
    similar = process.cdist(terms, terms, scorer=fuzz.token_set_ratio, score_cutoff=alike)
    leaders: list[int] = []
    groups: list[list[int]] = []
    for i in range(len(terms)):
        home = next((g for g, leader in enumerate(leaders) if similar[i][leader] >= alike), None)
        if home is None:
            leaders.append(i)
            groups.append([i])
        else:
            groups[home].append(i)
    return sorted(groups, key=lambda g: (-len(g), g[0]))
