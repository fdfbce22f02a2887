"""People's names out of bylines and author fields, in the languages news pages are written in.

`tx.split_people` knows English bylines; this adds what other languages put around the same names
("Von", "Par", "Por", "Door", "Av"; "und", "og", "et", "y" between two names), drops what is no
name ("By" alone, a sentence that opens with "By comparison, ..."), and sets wire agencies apart:
the contract puts an agency in `source`, never among the authors.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from crawler import text as tx
from crawler.extract.patterns import WIRE_AGENCIES

# "By" in the languages seen most, as a byline opens with it.
BY_WORDS = ("by", "von", "par", "por", "di", "da", "door", "av", "af", "od", "z", "de", "av:", "text",
            "autor", "autorin", "auteur", "author", "written by", "geschrieben von", "reportage", "texto")
_BY = re.compile(r"^\s*(?:%s)\s*[:]?\s+" % "|".join(re.escape(w) for w in BY_WORDS), re.I)
# How a byline paragraph opens (the shorter "by" words of BY_WORDS open too many sentences).
_BYLINE = re.compile(r"^\s*(?:written\s+by|by|von|par|por|door|av|af|od|text:|autor:|autorin:)\s+(\S+)(.*)$", re.I)
# The word for "and" between two names.
_AND = re.compile(r"\s+(?:und|og|och|et|y|e|i|en|ve|és|a|und\s+von)\s+")
_BY_ALONE = re.compile(r"(?:%s)\s*:?" % "|".join(re.escape(w) for w in BY_WORDS), re.I)  # "By" alone
_AGENCY = re.compile(r"^(?:%s)$" % "|".join(re.escape(k) for k in sorted(WIRE_AGENCIES, key=len, reverse=True)),
                     re.I)


def is_byline(text: str) -> bool:
    """Whether a line is a byline ("By Jane Doe"), not a sentence that opens with the word ("By
    comparison, Haniyeh, ...", "By the end of the year ..."): the name after "By" is capitalised
    and is not followed by a comma and more sentence."""
    m = _BYLINE.match(text)
    if not m:
        return False
    first, rest = m.group(1), m.group(2)
    if not first[:1].isupper():
        return False
    return not (first.endswith(",") and len(rest.split()) > 6)


def agencies_in(names: Iterable[str]) -> list[str]:
    """The wire agencies among author names ("dpa", "AFP", "Reuters"), by their display name."""
    out = []
    for name in names:
        key = tx.clean(name).strip(" .").lower()
        if _AGENCY.match(key):
            out.append(WIRE_AGENCIES[key])
    return out


def people(text: str | None) -> list[str]:
    """The people a byline or an author field names (no agencies, no "By" alone)."""
    if not text:
        return []
    text = tx.clean(text)
    if re.match(r"^\s*by\s", text, re.I) and not is_byline(text):
        return []  # a sentence: "By comparison, Haniyeh, ..."
    if _BY_ALONE.fullmatch(text):
        return []
    text = _BY.sub("", text)
    out = []
    for name in tx.split_people(text):
        parts = _AND.split(name)
        if len(parts) > 1 and all(len(p.split()) >= 2 and p[:1].isupper() for p in parts):
            out.extend(parts)  # "Felix Schröder und Jörg Soldwisch"
        else:
            out.append(name)
    return [n for n in tx.dedupe_names(out) if not _AGENCY.match(n.strip(" .").lower())
            and n.lower().rstrip(":") not in BY_WORDS]


def person_name(value: str | None) -> list[str]:
    """A name given as a schema.org Person's: taken as written, also in lower case ("viktor
    hedlund"), where it has the shape of a name (one to five words, no digits or addresses)."""
    name = tx.clean(value or "")
    if _AGENCY.match(name.strip(" .").lower()) or name.lower().rstrip(" :") in BY_WORDS:
        return []
    if not name or len(name) > 60 or re.search(r"[\d@/]", name) or not 1 <= len(name.split()) <= 5:
        return []
    return people(name) or [name]
