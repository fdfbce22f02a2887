"""Who wrote it and for whom: the authors (people only), the wire agency (`source`) and the
dateline place."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from lxml import etree

from crawler import text as tx
from crawler.extract.dom import visible_text
from crawler.extract.patterns import DATELINE, TITLE_DATELINE, PLAIN_DATELINE, WIRE_AGENCIES
from crawler.extract.jsonld import text_of
from crawler.extract import names as nm
from crawler.extract.names import person_name
from crawler.extract.registry import field

if TYPE_CHECKING:
    from crawler.extract.registry import FieldResult

# The elements marked itemprop="author", in document order: found by their attribute (libxml2
# looks at the attributes alone), about twice as fast as asking every element of '//*'.
_MARKED_AUTHOR = etree.XPath('//@itemprop[.="author"]/..')
AUTHOR_PATH = re.compile(r"/(?:author|authors|autor|autoren|auteur|autore|journalist|redakteur|profil/autor)[/-]", re.I)


class People:
    @field("authors")
    def field_authors(self) -> FieldResult:
        for get, layer in (
            (lambda: self._ld_people(self.jsonld.resolve(self.jsonld.get("author"))), "jsonld"),
            (lambda: self._people(self.next.authors()), "jsonld"),
            (lambda: self._people(self.meta.all("author", "article:author", "parsely-author",
                                        "sailthru.author", "dc.creator", "byl", "twitter:misc:written by")
                                  + self._labelled_meta("written by", "author", "autor", "geschrieben von")), "meta"),
            (lambda: self._dom_authors(), "dom"),
        ):
            values = get()
            if values:
                return values, layer
        return [], None

    def _ld_people(self, value):
        people = []
        for node in value if isinstance(value, list) else [value]:
            if isinstance(node, dict):
                types = node.get("@type")
                types = [types] if isinstance(types, str) else (types if isinstance(types, list) else [])
                if any(isinstance(t, str) and t.lower().endswith("organization") for t in types):
                    continue
                name = text_of(node)
                if name:
                    person = any(isinstance(t, str) and t.lower() == "person" for t in types)
                    people.extend(person_name(name) if person else nm.people(name))
            elif isinstance(node, str):
                people.extend(nm.people(node))
        return tx.dedupe_names(people)

    def _labelled_meta(self, *labels):
        """Values of twitter:dataN where twitter:labelN names them ("Written by": Yoast and others)."""
        out = []
        for n in range(1, 5):
            label = (self.meta.first(f"twitter:label{n}") or "").strip(" :").lower()
            if label in labels and self.meta.first(f"twitter:data{n}"):
                out.append(self.meta.first(f"twitter:data{n}"))
        return out

    def _people(self, names):
        people = []
        for name in names:
            if not name.startswith(("http://", "https://")):
                people.extend(nm.people(name))
        return tx.dedupe_names(people)

    def _dom_authors(self):
        _paras, people = self._split_byline(self.dom_paragraphs())
        if people:
            return people
        for el in self.bylines:
            people = nm.people(visible_text(el))
            if people:
                return people
        for el in self.root.iter("a"):
            if "author" in (el.get("rel") or "").split():
                people = nm.people(visible_text(el))
                if people:
                    return people
        return self._marked_authors()

    def _marked_authors(self):
        """Authors marked as such without a byline: schema.org microdata (itemprop="author"), or
        links to author pages (/author/, /autor/, /autoren/) beside the title, not in menus."""
        found = []
        for el in _MARKED_AUTHOR(self.root):
            name_el = next(iter(el.xpath('.//*[@itemprop="name"]')), el)
            found.extend(person_name(name_el.get("content") or visible_text(name_el)))
        if found:
            return tx.dedupe_names(found)
        near = self.h1.getparent() if self.h1 is not None else None
        for _ in range(3):  # the title's block, up to three levels out
            if near is None or near.getparent() is None or near is self.scope:
                break
            near = near.getparent()
        for area in (near, self.scope):
            if area is None:
                continue
            for a in area.iter("a"):
                if AUTHOR_PATH.search(a.get("href") or ""):
                    found.extend(person_name(visible_text(a)))
            if found:
                return tx.dedupe_names(found)[:10]
        return []

    @field("source")
    def field_source(self) -> FieldResult:
        source, _dateline, layer = self.source_and_dateline()
        return source, layer

    @field("dateline")
    def field_dateline(self) -> FieldResult:
        _source, dateline, layer = self.source_and_dateline()
        return dateline, layer if dateline else None

    def source_and_dateline(self) -> tuple[str | None, str | None, str | None]:
        if self._source_dateline is None:
            self._source_dateline = self._find_source_and_dateline(self.body_paragraphs()[0])
        return self._source_dateline

    def _find_source_and_dateline(self, paragraphs):
        """(source, dateline, layer): the wire agency and place from the dateline paragraph.
        paragraphs: [(text, is_heading)] of the body."""
        # The dateline opens the first paragraph of text (section headings may stand before it).
        first = next((t for t, heading in paragraphs[:12] if not heading and tx.clean(t)), None)
        if first:
            m = DATELINE.match(first)
            if m is None:
                m = TITLE_DATELINE.match(first)
                if m and m.group("agency").strip().lower() not in WIRE_AGENCIES:
                    m = None
            if m:
                agency = m.group("agency").strip()
                # "(Reuters Breakingviews)", "(AFP Relaxnews)": the agency's own service.
                source = (WIRE_AGENCIES.get(agency.lower()) or WIRE_AGENCIES.get(agency.split()[0].lower())
                          or (agency if len(agency) <= 30 else None))
                if source:
                    return source, tx.clean(m.group("place")), "dom"
            m = PLAIN_DATELINE.match(first)
            if m:
                return None, tx.clean(m.group("place")), "dom"
        named = [text_of(n) or "" for n in self._as_list(self.jsonld.resolve(self.jsonld.get("author")))] \
            + self.meta.all("author")
        agencies = nm.agencies_in(named)
        if agencies:  # "author": "dpa": the agency is the source, never an author
            return agencies[0], None, "jsonld"
        for node in self._as_list(self.jsonld.resolve(self.jsonld.get("author"))) + self._as_list(
                self.jsonld.resolve(self.jsonld.get("sourceOrganization"))):
            name = text_of(node) or ""
            m = re.match(r"^(\w[\w .&]*?)\s*(?:\(via\b.*\))?$", name)
            if m and m.group(1).strip().lower() in WIRE_AGENCIES:
                return WIRE_AGENCIES[m.group(1).strip().lower()], None, "jsonld"
        return None, None, None

    @staticmethod
    def _as_list(value):
        return value if isinstance(value, list) else ([value] if value else [])
