"""The patterns the parser matches on visible text: block headings, furniture lines, bylines,
datelines, dates and reading times (site-model.md says what the site shows; the rest is common to
news pages). Text is matched after whitespace is collapsed, never on class names."""
from functools import lru_cache
import re

# --- visible block headings (site-model.md): what a reader sees, matched on normalised text ---
LABELS = (
    ("summary", re.compile(r"^(?:quick summary|summary|in brief|at a glance|tl;?dr)$", re.I)),
    ("takeaways", re.compile(r"^key (?:takeaways|points|facts)$", re.I)),
    ("faq", re.compile(r"^(?:frequently asked questions|faqs?)\b", re.I)),
    ("references", re.compile(r"^(?:references|sources|further reading)$", re.I)),
    ("toc", re.compile(r"^(?:table of contents|contents|in this article|on this page)$", re.I)),
    ("related", re.compile(r"^(?:more from\b|related(?: (?:articles|stories|posts|news|content|coverage|"
                           r"links|reading)\b.*)?$|"
                           r"you (?:may|might)(?: also)? like|read more\b|more stories\b)", re.I)),
    ("previous", re.compile(r"^previous\b.{0,40}\bpost$", re.I)),
    ("next", re.compile(r"^next\b.{0,40}\bpost$", re.I)),
    ("view_all", re.compile(r"^view all\b.{0,40}$", re.I)),
    ("tags", re.compile(r"^(?:tags?|tagged(?: with)?|topics|related topics|関連キーワード|タグ|"
                        r"schlagw(?:ö|o)rte(?:r)?(?: zu diesem (?:artikel|beitrag|thema))?|"
                        r"stichw(?:ö|o)rte(?:r)?|mots[- ]clés|étiquettes|etiquetas|palabras clave|"
                        r"tagi|trefwoorden)\s*:?$", re.I)),
    # Other lists of stories after the text (not the related block: a "Trending" box can come first).
    ("more", re.compile(r"^(?:read next|up next|what to read next|recommended(?: for you| stories)?|"
                        r"most (?:read|popular|viewed)|trending(?: now| stories)?|popular(?: now| stories)?|"
                        r"latest (?:news|stories)|also read|more on this(?: story| topic)?|"
                        r"don.t miss\b.{0,60}|"
                        # The same boxes on other languages' pages (German, French, Spanish,
                        # Portuguese, Italian, Dutch, Polish).
                        r"(?:ähnliche|verwandte|weitere|passende|neueste|beliebteste|meistgelesene) "
                        r"(?:beiträge|artikel|themen|news|nachrichten)(?: (?:aus|zu|von)\b.{0,40})?|"
                        r"(?:das|dies|dieses thema|das thema) könnte (?:sie|dich|euch) (?:auch )?interessieren|"
                        r"auch interessant|schon gelesen\??|mehr themen|"
                        r"(?:mehr|artikel|weiteres?) zum thema\b.{0,40}|mehr (?:aus|von|zu)\b.{0,40}|"
                        r"(?:lesen sie|lies) (?:auch|mehr)(?: (?:die folgenden|diese|unsere) (?:beiträge|artikel))?|"
                        r"empfehlungen aus der redaktion|meistgelesen|"
                        r"sie könnten auch an folgenden artikeln interessiert sein|"
                        r"(?:à )?lire aussi|à découvrir (?:également|aussi)|"
                        r"weitere informationen|weiterführende (?:informationen|links?)|"
                        r"verwandte links|mehr interessantes|zum weiterlesen|themen im artikel|"
                        r"weitere inhalte\b.{0,40}|explore further|articles? (?:similaires|correspondants|liés|recommandés)|"
                        r"sur le même (?:sujet|thème)|les plus lus|"
                        r"(?:artículos|noticias|notas|temas) relacionad[oa]s|te puede interesar|"
                        r"(?:lee|mirá|ver|leia|veja) también|lo más (?:leído|visto)|más leídas|"
                        r"seguir leyendo|sigue leyendo|continuar leyendo|continue lendo|"
                        r"(?:leia|veja) também|(?:notícias|matérias) relacionadas|mais lidas|"
                        r"articoli correlati|leggi anche|potrebbe interessarti|i più letti|"
                        r"gerelateerde artikelen|lees ook|meest gelezen|"
                        r"zobacz (?:również|też|także)|czytaj (?:także|też|również)|najczęściej czytane|"
                        r"inne artykuły\b.{0,30}|"
                        # Finnish, Swedish, Danish, Norwegian and Czech pages.
                        r"lue (?:myös|seuraavaksi|lisää)|luetuimmat|(?:läs|læs|les) (?:också|även|også|mer|mere)|"
                        r"mest lästa|mest læste|mest leste|čtěte (?:také|též)|přečtěte si (?:také|též)|"
                        # Japanese pages: recommended, related, popular, new articles, article list.
                        r"おすすめ(?:情報|記事)?|関連記事|あわせて読みたい|人気(?:記事|ランキング)|"
                        r"新着(?:記事|ニュース)|記事一覧)$", re.I)),
)
LABELS_BY_KIND = dict(LABELS)
# Blocks that come after the article text: the body ends at the first of them once it has begun (a
# table of contents or "Key Points" above the text is skipped; tags after it end it, as on WordPress).
# How every label, date line and byline above starts: a cheap test before the patterns.
LABEL_STARTS = ("quick", "summary", "in brief", "at a glance", "tl", "key ", "frequently", "faq",
                "references", "sources", "further", "table of", "contents", "in this", "on this",
                "more ", "related", "you ", "read more", "previous", "next", "view all", "tag",
                "posted", "published", "last", "updated", "modified", "by ", "by\n", "written",
                "up next", "what to", "recommended", "most ", "trending", "popular", "latest", "also", "read",
                "don", "関連", "タグ", "おすすめ", "あわせて", "人気", "記事一覧", "新着",
                "ähnliche", "verwandte", "weitere", "passende", "neueste", "beliebteste", "meistgelesen",
                "das ", "dies ", "auch ", "mehr", "artikel", "lesen", "lies ", "empfehlungen", "sie ",
                "à ", "lire", "articles", "sur le", "les plus", "artículos", "noticias", "notas",
                "temas", "te puede", "lee ", "mirá", "ver ", "leia", "veja", "lo más", "más ",
                "notícias", "matérias", "mais ", "articoli", "leggi", "potrebbe", "i più",
                "gerelateerde", "lees ", "meest", "zobacz", "czytaj", "najczęściej", "inne ",
                "schlagw", "stichw", "mots", "à découvrir", "weiterf", "zum ", "themen", "explore", "étiquettes", "etiquetas", "palabras", "tagi", "trefwoorden", "seguir", "sigue", "continuar", "continue",
                "lue ", "luetuimmat", "schon ", "läs ", "læs ", "les ", "mest ", "čtěte", "přečtěte")
# Han, kana and hangul are written without spaces: two characters count as a word.
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
SUMMARY_WORDS = 20
MAX_READING_MINUTES = 24 * 60  # a stated reading time past this is no reading time
BEGUN_WORDS = 25  # the text has begun once it holds this many words: a caption above the blocks has not
TERMINAL_BLOCKS = {"takeaways", "faq", "references", "toc", "related", "previous", "next", "view_all", "tags",
                   "more"}
LABEL_TAGS = {"h2", "h3", "h4", "h5", "h6", "div", "span", "p", "strong", "b", "dt", "summary",
              "button", "header", "legend", "caption", "label", "em", "a", "li"}

HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
TEXT_BLOCKS = {"p", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "dd", "dt"}
# Elements that start a block of their own: a leaf paragraph is an element with none of them inside.
BLOCKISH = TEXT_BLOCKS | {"div", "section", "article", "main", "ul", "ol", "dl", "table", "tbody",
                          "tr", "td", "th", "thead", "details", "summary", "header", "footer",
                          "aside", "nav", "figure", "form", "center", "address", "fieldset"}
# A <time> standing as a block of its own is the date line ("March 5, 2026 12:04 PM GMT Updated 2 hours
# ago"); inside a paragraph it is text, and a paragraph's text is taken whole.
SKIP_TAGS = {"script", "style", "noscript", "template", "svg", "nav", "header", "footer", "aside", "time",
             "form", "button", "figure", "figcaption", "iframe", "select", "h1", "input", "textarea",
             "dialog", "video", "audio", "picture", "img", "object", "embed", "canvas", "head",
             "title", "meta", "link"}
SKIP_ROLES = {"navigation", "complementary", "banner", "contentinfo", "search", "dialog", "menu",
              "toolbar", "alert"}
# Lines of page furniture that can sit among the paragraphs (GBAF's and common ones).
FURNITURE = re.compile(
    r"^(?:published by\b.{0,80}|(?:posted|published|updated|last updated)(?: on)?:?\s.{0,40}|"
    r"\d+\s*min(?:ute)?s?\s*read|read(?:ing)? time:?\s*\d{1,3}\s*min(?:ute)?s?|tags?:.*|"
    r"share(?: this(?: article)?)?:?|advertisement|sponsored|"
    r"tweet|email|print|pin it|copy link|facebook|twitter|linkedin|whatsapp|reddit|telegram|"
    r"video\s*\d{1,2}:\d{2}.*|"
    r"subscribe|follow us.{0,40}|share (?:this|on)\b.{0,20}|why waste money on news and opinion.*|"
    r"take advantage of our newsletter subscription.*|original content:.*|"
    r"editorial & advertiser disclosure|continue reading|read more|"
    r"(?:explore more articles in the\b.*)|"
    # Captions and credits, filing lines, paywall and ad notices (also in the languages seen most).
    r"(?:photo|foto|image|bild|picture|credit|crédit|fotograf[íi]a)s?\s*(?:credit)?\s*:\s*.{0,150}|"
    r"(?:\(?(?:photo|foto|bild)\)?\s*[©(].{0,100})|"
    r"filed (?:under|in)\b.{0,200}|article content|"
    r"advertisement\s*[-–—]?\s*scroll to continue|anzeige|werbung|publicidad|publicité|"
    r"(?:subscribe|sign in|log in|register)\b.{0,60}\b(?:to (?:continue|keep) reading|"
    r"for (?:full|unlimited) access|to read (?:the full|this|more)).{0,80}|"
    r"this (?:article|content|story) is (?:only )?(?:available|reserved|exclusive) (?:to|for)\b.{0,80}|"
    r"already (?:a )?(?:subscriber|member)\??.{0,40}|"
    # Share, print, comment and back-links rows, and tag lines, on other languages' pages too.
    r"(?:teilen sie dies mit|diesen artikel teilen|artikel teilen|jetzt teilen|teilen mit|teilen|"
    r"sharen mit|share this|mit freunden teilen|partager(?: cet article| sur\b.{0,20})?|compartir|"
    r"condividi|udostępnij|gefällt mir|like this|drucken|versenden|merken|weiterempfehlen|"
    r"imprimer|imprimir|stampa|drukuj|permalink|permalien)\s*[:!.]?|"
    r"(?:permalink|permalien)\s*:?\s*https?://\S+|"
    # An image's enlarge button (its caption with an agency credit: FURNITURE_AROUND).
    r"vergrößern|enlarge|agrandir|ampliar|ingrandisci|powiększ|"
    # Prompts to share, like, print or follow, and a toggle's label, standing alone as a line.
    r"(?:möchten|wollen) sie (?:den|diesen) (?:artikel|beitrag) teilen\??|"
    r"(?:dieser|der) (?:artikel|beitrag) gefällt (?:ihnen|dir)\??|(?:did you )?(?:like|enjoy) this (?:article|post)\??|"
    r"(?:diese[nrs]? )?(?:rezept|artikel|beitrag|seite) (?:drucken|teilen|merken)|print (?:this )?(?:recipe|article|page)|"
    r"%d (?:bloggern gefällt das|bloggers like this|blogueurs aiment cette page)\b.{0,10}|"
    r"(?:bewerten sie|bewerte) (?:diesen|dieses|diese) (?:artikel|beitrag|produkt|rezept|seite)|"
    r"valora esta (?:noticia|nota)|rate this (?:article|post|recipe|story)|"
    r"para (?:poder )?comentar (?:debes|debe|tienes que|hay que|es necesario)\b.{0,100}|dołącz do dyskusji|"
    r"(?:pdf[- ]version|download (?:as )?pdf)|"
    r"[-–—\s]*anzeige[-–—\s]*|"
    r"zu allen (?:beiträgen|artikeln|meldungen|news)|"
    r"(?:weiterlesen|read more|lire la suite)\s*\d{1,3}\s*min(?:uten|utes?)?|diese seite\s*:|"
    r"(?:weiterlesen|mehr lesen|lire la suite|leer más|czytaj (?:więcej|też|także)|continua a leggere|"
    r"continue reading|read more)\s*[:.…»›>]*|"
    # A read-also line: the label, a colon and the other story's title ("Read more: ...", "Lea
    # también: ...", "VEA TAMBIÉN: ...", "Czytaj też: ...").
    r"(?:read (?:more|also)|see also|also read|lea(?: también| más)?|lee también|vea también|"
    r"ver también|(?:le|te) puede interesar|mira|(?:à )?lire aussi|leia também|leggi anche|"
    r"lesen sie (?:auch|hier)|auch lesen|zobacz (?:też|także)|czytaj (?:też|także)|dowiedz się więcej)\s*[:»]\s*\S.{0,250}|"
    r"(?:never|don.t) miss\b.{0,80}\b(?:newsletter|sign(?:ing)? up|subscrib\w+)\b.{0,60}|"
    # An advertising or affiliate disclosure ("*Werbung. Dieser Beitrag enthält Werbung für ...").
    r"\*?(?:werbung|anzeige)\s*[.,:|]\s.{0,100}|disclaimer\s*(?:\([^)]{0,60}\))?\s*:.{0,600}|"
    r"(?:art[íi]culo (?:siguiente|anterior)|(?:nächster|vorheriger) (?:artikel|beitrag)|"
    r"(?:previous|next) (?:article|post|story))\b.{0,200}|"
    r"photograph(?:s|y)? by\b.{0,120}|\d+ min(?:ute)?s?\s*[-–|·]\s*[\d.,]+ words|"
    r"(?:quellen|quellenangaben|sources?) (?:ausblenden|einblenden|anzeigen|verbergen)|(?:show|hide) sources|"
    r"(?:folge|folgt|folgen sie|follow|s[ií]guenos)\b.{0,40}\b(?:auf|on|en) (?:twitter|facebook|instagram|"
    r"linkedin|threads|bluesky|mastodon|tiktok|youtube|telegram|whatsapp)\b"
    r"(?:(?:\s*(?:and|und|y|,|&)\s*\w+|\s*@\S+|[.!]).{0,200})?|(?:nos )?siga(?:-nos)? n[oa]s?\b.{0,30}|"
    r"s[ií]guenos en\b.{0,30}|"
    r"suivez-nous sur\b.{0,30}|"
    r"das könnte (?:sie|dich) auch interessieren:?|weiterführende(?:r)? links?:?|"
    # The post's meta line, as WordPress themes write it below the text.
    r"(?:this entry was posted|(?:der|dieser) (?:beitrag|eintrag|artikel) wurde am)\b.{0,300}|"
    r"(?:zurück|back)(?: (?:zur|zum|zu|to)\b.{0,40}| nach oben)?|nach oben|"
    r"(?:kommentar|kommentare|einen kommentar) (?:verfassen|schreiben|hinzufügen)|"
    r"schreib(?:e|en sie)? einen kommentar|(?:leave|post|write|add) a (?:comment|reply)|"
    r"kommentare sind geschlossen\.?|comments are closed\.?|\d+ (?:comments?|kommentare?)|"
    r"(?:schlagw(?:ö|o)rter?|stichw(?:ö|o)rter?|themen|kategorien?|mots-clés|étiquettes|etiquetas|"
    r"categories|category|schlagworte)\s*:.{0,200}|"
    # Date lines and copyright lines (captions that end with their credit: CAPTION_END).
    r"(?:publié|mis à jour|veröffentlicht|aktualisiert|publicado|actualizado|atualizado|pubblicato|"
    r"aggiornato|opublikowano|gepubliceerd|aktualizacja|publikacja|stand)(?: le| am| el| em| il| op)?:?\s.{0,80}|"
    # A date alone, with its weekday and time: "Do 25.04.24", "25.10.2025 - 15:26 Uhr", "14:07 Uhr".
    r"(?:[A-Za-zÀ-ÿ]{2,10}\.?,?\s+)?\d{1,2}\.\s?\d{1,2}\.\s?\d{2,4}(?:,?\s*(?:[-–|]\s*)?(?:um\s+)?"
    r"\d{1,2}[:.]\d{2}(?:\s*(?:uhr|h))?)?|\d{1,2}[:.]\d{2}\s*(?:uhr|h)|"
    r"(?:©|\(c\)|copyright\b).{0,200}|"
    # A label alone: the contact, authors' or source line's heading ("Kontakt:", "Źródło:").
    r"(?:kontakt|autoren|autor|von|quelle|quellen|źródło|fuente|fonte)\s*:|"
    # A source line: the label and a name ("Quelle: dpa-AFX", "Źródło: ISBnews"), no sentence.
    r"(?:quelle|quellen|quellenangaben?|źródło|fuente|fonte|source|sources)\s*:\s*[^.!?]{1,80}\.?)$",
    re.I,
)
# Furniture lines that open with a run of any characters before the words they need (a caption
# ending with its agency or stock-photo credit, a feed link, a PDF download, a newsletter prompt):
# apart from FURNITURE, since each tries every length of its run on every line (half of
# FURNITURE's time when they stood in it), each asked only where one of its keys (lower case)
# stands in the line. A line is furniture when FURNITURE or one of these matches it whole, so the
# split gives the same answer.
FURNITURE_AROUND = tuple((re.compile(rf"^(?:{p})$", re.I), keys) for p, keys in (
    # "Dmitry Muratov, periodista ruso (REUTERS/Denis Balibouse)"
    (r"[^.!?]{0,200}\((?:reuters|afp|ap|efe|epa|dpa|getty(?: images)?|ansa|anadolu|xinhua|europa press)"
     r"\s*/\s*[^()]{1,60}\)", ("(",)),
    (r".{0,60}\((?:atom|rss)\)", ("(atom)", "(rss)")),
    (r".{0,40}\bals pdf herunterladen", ("pdf",)),
    (r".{0,40}\bnewsletter\b.{0,40}\b(?:anmelden|abonnieren|sign up|subscribe|s.inscrire)\b.{0,10}",
     ("newsletter",)),
    (r"(?:[^.!?]{0,80}[/|]\s*)?(?:getty images|istock(?:photo)?(?:\.com)?|shutterstock(?:\.com)?|"
     r"imago(?: images)?|picture[- ]alliance|unsplash|pixabay)(?:\s*[/|,]\s*[^.!?]{0,60})?",
     ("getty images", "istock", "shutterstock", "imago", "picture", "unsplash", "pixabay")),
))
# The characters that re.I matches to a letter of the keys while lower() gives another (the dotted
# and dotless i, the long s): in a line without them a key (lower case) stands in line.lower()
# wherever a pattern that holds it matches, so a pattern none of whose keys stands there cannot match.
_FOLDS_APART = ("\u0130", "\u0131", "\u017f")


def _keys_decide(t: str) -> bool:
    """Whether the keys may rule patterns out for this line (see _FOLDS_APART)."""
    if t.isascii():
        return True
    for c in _FOLDS_APART:  # a loop, not any() over a generator: asked of every non-ASCII line
        if c in t:
            return False
    return True


def _furniture_around(t: str, low: str, keyed: bool) -> bool:
    for pattern, keys in FURNITURE_AROUND:
        if keyed:
            for k in keys:  # a loop, not any() over a generator: asked of every line
                if k in low:
                    break
            else:
                continue
        if pattern.match(t):
            return True
    return False


# Lines that are furniture by a phrase anywhere in them, each with how many characters may stand
# before and after it (asked with one search, not as FURNITURE's alternatives, which would try each
# from every start): a paywall's or an app's prompt ("Subscribe now ... for the full story", "To
# view the full story, please subscribe ...", "... already a subscriber, you can log in ...",
# "download the ... apps for iOS and Android", "... straight to your phone with the ... app"), a
# letter-to-the-editor prompt, a plea for support or membership ("... apóyanos para seguir",
# "HAZTE MIEMBRO", "Wesprzyj nas"), an ad or affiliate disclosure ("Dieser Beitrag enthält
# Werbung", "We may receive compensation ..."), a caption that ends with its © credit ("Eileen Gu,
# Freestylerin. © AFP / MADDIE MEYER").
_PHRASES = (
    # (name, pattern, characters allowed before it, after it, the keys: one of them stands, in
    # lower case, in every line the pattern matches)
    ("paywall", r"\b(?:subscribe|suscr[ií]b\w*|abonn\w*)\b.{0,60}\b(?:full|whole|entire) (?:story|article)\b", 80, 80,
     ("subscri", "suscr", "abonn")),
    ("paywall2", r"\b(?:full|whole|entire) (?:story|article)\b.{0,30}\bsubscribe\b", 80, 120, ("subscri",)),
    ("subscriber", r"\balready (?:a )?(?:subscriber|member)\b.{0,60}\b(?:log in|sign in|login)\b", 60, 80,
     ("already",)),
    ("app", r"\b(?:download|get)\b.{0,60}\bapps?\b.{0,20}\b(?:for|on) (?:ios|android|iphone)\b", 120, 60,
     (" ios", "android", "iphone")),
    ("phone", r"\b(?:straight|directly) to your (?:phone|inbox)\b", 60, 60, ("your phone", "your inbox")),
    ("letter", r"\b(?:submit|send|write)\b.{0,20}\bletters? to the editor\b", 80, 120, ("letter",)),
    ("plea", r"\b(?:apóyanos|hazte (?:miembro|socio)|wesprzyj nas|unterstütze uns|support us|"
             r"become a (?:member|subscriber|supporter)|zapraszamy (?:też )?do subskrypcji|"
             r"únete a nuestra comunidad)\b", 300, 400,
     ("apóyanos", "hazte", "wesprzyj", "unterstütze uns", "support us", "become a", "zapraszamy", "únete")),
    ("werbung", r"\benthält (?:werbung|affiliate[- ]?links?)\b", 60, 80, ("enthält",)),
    ("disclosure", r"\b(?:we|i) (?:may|might|will) (?:receive|earn|get) (?:a )?(?:small )?"
                   r"(?:compensation|commission|affiliate commission)\b", 300, 300, ("compensation", "commission")),
    ("credit", r"(?:[.|,]\s*|\s)(?:(?:foto|photo|bild|fotos)\s*)?©\s*[^.!?©]{2,60}$", 300, 0, ("©",)),
)
_PHRASE = re.compile("|".join(f"(?P<{name}>{p})" for name, p, _b, _a, _k in _PHRASES), re.I)
_PHRASE_ROOM = {name: (before, after) for name, _p, before, after, _k in _PHRASES}
_PHRASE_MAX = max(b + a for _n, _p, b, a, _k in _PHRASES) + 200
# One of these stands in every line _PHRASES match (lower case): a cheap test before the search.
_PHRASE_KEYS = tuple(dict.fromkeys(k for *_rest, keys in _PHRASES for k in keys))
# Each phrase alone, for a line where the keys decide (_keys_decide): a phrase none of whose keys
# stands in the line cannot match it, so only the phrases whose keys stand there are searched (the
# one search of all of them took ~250 us on a long paragraph that holds "commission").
_PHRASE_ALONE = tuple((name, re.compile(p, re.I), keys) for name, p, _b, _a, keys in _PHRASES)


def _first_phrase(t: str, low: str):
    """(name, match) of the phrase _PHRASE.search(t) finds, searching only the phrases whose keys
    stand in low (where the keys decide): the leftmost match, the first phrase in order where two start at the
    same place, as the alternatives of one pattern give."""
    best = None
    for name, pattern, keys in _PHRASE_ALONE:
        for k in keys:
            if k in low:
                m = pattern.search(t)
                if m is not None and (best is None or m.start() < best[1].start()):
                    best = (name, m)
                break
    return best


def _furniture_phrase(t: str, low: str, keyed: bool) -> bool:
    if len(t) > _PHRASE_MAX:
        return False
    for k in _PHRASE_KEYS:  # a loop, not any() over a generator: a third of the time
        if k in low:
            break
    else:
        return False
    if keyed:
        found = _first_phrase(t, low)
        if found is None:
            return False
        name, m = found
    else:
        m = _PHRASE.search(t)
        if m is None:
            return False
        name = m.lastgroup
    before, after = _PHRASE_ROOM[name]
    return m.start() <= before and len(t) - m.end() <= after


# A caption that ends with its credit ("Die FDP ... im Netz. Bild: Christoph Soeder/dpa"): looked
# for in a line's last 100 characters only, and only where a colon stands there.
CAPTION_END = re.compile(r"[\s(](?:bild|foto|fotos|photo|image|picture|credit|crédit|crédito)\s*:\s*"
                         r"[^.!?:]{2,80}\)?$", re.I)


# A date alone, written with its month's name, in the languages seen most, with its weekday and
# time where given: "Donnerstag, 31. Mai 2012", "11 Jan 2019", "16 marca 2021", "March 5, 2026
# 12:04 PM", "17 April 2012 • 2:54pm", "5 de marzo de 2020". The date line above or below a text.
_MONTH = (r"(?:jan(?:uary|uar|vier|uari)?|jänner|enero|gennaio|janeiro|stycznia|feb(?:ruary|ruar|ruari)?|"
          r"février|febrero|febbraio|fevereiro|lutego|mar(?:ch|s|zo|ço|ca)?|märz|maart|apr(?:il|ile|il)?|"
          r"avril|abril|kwietnia|ma[iy]|mei|mayo|maggio|maio|maja|jun[ei]?|juin|junio|giugno|junho|czerwca|"
          r"jul[iy]?|juillet|julio|luglio|julho|lipca|aug(?:ust|ustus)?|août|agosto|sierpnia|"
          r"sep(?:t|tember|tembre|tiembre|tembro)?|settembre|setiembre|września|"
          r"o[ck]t(?:ober|obre|ubre)?|ottobre|outubro|października|nov(?:ember|embre|iembre|embro)?|listopada|"
          r"de[cz](?:ember|embre|iembre|embro)?|dezember|décembre|dicembre|grudnia)\.?")
DATE_ALONE = re.compile(
    rf"(?:[^\W\d_]{{2,12}}\.?,?\s+)?(?:\d{{1,2}}\.?\s+(?:de\s+)?{_MONTH},?\s+(?:de\s+)?\d{{4}}|"
    rf"{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}})"
    r"(?:\s*(?:[,\-–|•·]|um|at|à|a las)?\s*\d{1,2}[:.]\d{2}\s*(?:uhr|h|am|pm|a\.m\.|p\.m\.)?(?:\s*[A-Z]{2,4})?)?",
    re.I)


@lru_cache(maxsize=4096)
def furniture_line(t: str) -> bool:
    """Whether a line is page furniture (FURNITURE, a date alone, or a caption that ends with its
    credit). Remembered: the walk and the body's candidates ask of the same lines, and a site's
    furniture is the same on every page (about half the asks on replica pages)."""
    if FURNITURE.match(t):
        return True
    low, keyed = t.lower(), _keys_decide(t)
    if _furniture_around(t, low, keyed) or _furniture_phrase(t, low, keyed):
        return True
    if len(t) <= 60 and DATE_ALONE.fullmatch(t):
        return True
    end = t[-100:]
    return ":" in end and CAPTION_END.search(end) is not None and len(t) <= 500


BYLINE = re.compile(r"^(?:written\s+)?by\s+\S", re.I)
UP = "A-ZÀ-ÖØ-ÞĀ-ſ"  # capitals, Latin-1 and Latin Extended-A (KRAKÓW, REYKJAVÍK, ŁÓDŹ)
DATELINE = re.compile(
    rf"^(?P<place>[{UP}][{UP} .'’\-/]{{1,40}}?(?:,\s*[{UP}][^\W\d_ .'’-]*(?:[ .'’-]+[^\W\d_]+){{0,3}})?)"
    r"(?:,\s*(?P<date>[A-Z][a-z]{2,8}\.?\s+\d{1,2}))?\s*"
    r"\((?P<agency>[A-Za-z][A-Za-z .&’'-]{0,30}?)\)\s*(?:[-–—]+|:)\s*"
)
# AFP and some others write the place in title case: "Paris (AFP) –", "Rio de Janeiro (AFP) -". Taken
# only with a known agency, since "Apple (AAPL) -" has the same shape.
TITLE_DATELINE = re.compile(
    r"^(?P<place>[A-Z][^\W\d_]*(?:[ '’.-]+(?:[A-Z][^\W\d_]*|de|da|do|dos|del|la|el|al|es|of|sur|am)){0,4}"
    r"(?:,\s*[A-Z][^\W\d_]*(?: [A-Z][^\W\d_]*){0,2})?)"
    r"(?:,\s*(?P<date>[A-Z][a-z]{2,8}\.?\s+\d{1,2}))?\s*"
    r"\((?P<agency>[A-Za-z][A-Za-z .&’'-]{0,30}?)\)\s*(?:[-–—]+|:)\s*"
)
PLAIN_DATELINE = re.compile(
    rf"^(?P<place>[{UP}][{UP}.'’\-/]{{2,}}(?: [{UP}][{UP}.'’\-/]+){{0,3}}(?:,\s*[{UP}][^\W\d_.'’-]{{1,20}})?)"
    r"(?:,\s*[A-Z][a-z]{2,8}\.?\s+\d{1,2})?\s+[-–—]{1,2}\s+\S"
)
WIRE_AGENCIES = {
    "reuters": "Reuters", "afp": "AFP", "ap": "AP", "associated press": "AP",
    "bloomberg": "Bloomberg", "dpa": "dpa", "xinhua": "Xinhua", "pti": "PTI", "ians": "IANS",
    "efe": "EFE", "ansa": "ANSA", "kyodo": "Kyodo", "yonhap": "Yonhap", "upi": "UPI",
}
# Closing quotes of any language: ” ’ » (English, French), “ ‘ (German „...“), « › (Danish »...«).
SENTENCE_END = re.compile(r"[.!?…](?:[\"'”’»“‘«›)\]]+)?$|[.!?…][\"'”’»“‘«›)\]]*\s*\(?[A-Za-z.]{0,20}\)?$")
CREDITS = re.compile(r"^\(?(?:(?:additional )?reporting|editing|writing|compiled|edited|written|research)"
                     r"(?: and \w+)? by\b.{0,200}$", re.I)
POSTED = re.compile(r"^(?:posted|published)(?:\s+on)?\s*:?\s*(?P<rest>.*)$", re.I)
UPDATED = re.compile(r"^(?:last\s+)?(?:updated|modified)(?:\s+on)?\s*:?\s*(?P<rest>.*)$", re.I)
READING_TIME = re.compile(r"(\d{1,3})\s*(?:min(?:ute)?s?)\.?\s*read\b|"
                          r"\bread(?:ing)?\s+time\s*:?\s*(\d{1,3})\s*min", re.I)
IMAGE_FOR = re.compile(r"^image (?:for|of)\s*:?\s*", re.I)
BULLET = re.compile(r"^[\s•·▪◦‣∙●○■□\-–—*]+")
FAQ_NUMBER = re.compile(r"^(?:q(?:uestion)?\s*)?\d{1,2}(?:[.):]\s*|\s+|(?=[A-Z“\"‘']))", re.I)
SITE_NAME = re.compile(r"global banking\s*(?:&|and|&amp;)\s*finance review|\bGBAF\b", re.I)
META_SEPARATORS = re.compile(r"\s+[|•·]\s+")
TITLE_SEPARATORS = re.compile(r"\s+[|–—-]\s+|\s+::\s+")
# The site's name as a title suffix, also where it holds a separator itself ("Global Banking |
# Finance", the WordPress-era name) or follows a phrase ("- Headlines news and analysis from Global
# Banking & Finance Review").
SITE_SUFFIX = re.compile(
    r"\s+(?:[|–—-]|::)\s+(?:(?!\s[|–—-]\s).){0,60}?"
    r"(?:global banking\s*(?:&amp;|&|and|\|)\s*finance(?:\s+review)?|\bGBAF\b)\s*®?\s*$", re.I)

