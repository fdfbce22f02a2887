"""Who wrote it and for whom: the authors (people only), the wire agency (`source`) and the
dateline place."""
import re

from crawler import text as tx
from crawler.extract.dom import visible_text
from crawler.extract.patterns import DATELINE, TITLE_DATELINE, PLAIN_DATELINE, WIRE_AGENCIES
from crawler.structured import text_of
from crawler.extract.registry import field


class People:
    @field("authors")
    def field_authors(self):
        for get, layer in (
            (lambda: self._ld_people(self.jsonld.resolve(self.jsonld.get("author"))), "jsonld"),
            (lambda: self._people(self.next.authors()), "jsonld"),
            (lambda: self._people(self.meta.all("author", "article:author", "parsely-author",
                                        "sailthru.author", "dc.creator", "byl")), "meta"),
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
                    people.extend(tx.split_people(name))
            elif isinstance(node, str):
                people.extend(tx.split_people(node))
        return tx.dedupe_names(people)

    def _people(self, names):
        people = []
        for name in names:
            if not name.startswith(("http://", "https://")):
                people.extend(tx.split_people(name))
        return tx.dedupe_names(people)

    def _dom_authors(self):
        _paras, people = self._split_byline(self.dom_paragraphs())
        if people:
            return people
        for el in self.bylines:
            people = tx.split_people(visible_text(el))
            if people:
                return people
        for el in self.root.iter("a"):
            if "author" in (el.get("rel") or "").split():
                people = tx.split_people(visible_text(el))
                if people:
                    return people
        return []

    @field("source")
    def field_source(self):
        source, _dateline, layer = self.source_and_dateline()
        return source, layer

    @field("dateline")
    def field_dateline(self):
        _source, dateline, layer = self.source_and_dateline()
        return dateline, layer if dateline else None

    def source_and_dateline(self):
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
