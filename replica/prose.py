"""Generated finance-news prose for the replica: headlines, sentences, headings, blocks.

Every function takes a `random.Random` so the text follows from the site's seed alone.
An article's facts (its `Topic`) are drawn once, so its title, summary, body and FAQ talk
about the same institutions and places.
"""
from __future__ import annotations

import re
import unicodedata

from . import words as W

SMALL_WORDS = {"a", "an", "and", "as", "at", "by", "for", "in", "of", "on", "or", "the", "to",
               "with", "from", "into", "over", "via", "vs"}


def is_acronym(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def title_case(text: str) -> str:
    out = []
    for i, word in enumerate(text.split(" ")):
        starts = i == 0 or out[-1].endswith(":")
        if is_acronym(word):
            out.append(word)
        elif not starts and word.lower() in SMALL_WORDS:
            out.append(word.lower())
        else:
            out.append("-".join(p[:1].upper() + p[1:] for p in word.split("-")))
    return " ".join(out)


def lower_keep_acronyms(text: str) -> str:
    return " ".join(w if is_acronym(w) else w.lower() for w in text.split(" "))


def mangle(title: str) -> str:
    """The site's visible heading: every word after the first lower-cased (acronyms survive)."""
    words = title.split(" ")
    return " ".join([words[0]] + [w if is_acronym(w) else w.lower() for w in words[1:]])


def cap_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def slugify(text: str, max_words: int = 10, drop_stopwords: bool = True) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    ascii_text = ascii_text.replace("&", " and ").lower()
    parts = re.findall(r"[a-z0-9]+", ascii_text)
    if drop_stopwords:
        kept = [p for p in parts if p not in W.STOPWORDS]
        parts = kept or parts
    return "-".join(parts[:max_words])


class Topic:
    """The facts one article is about."""
    __slots__ = ("org", "org2", "person", "role", "city", "dateline", "country", "cb", "regulator",
                 "sector", "trend", "group", "metric", "risk", "unit", "event", "region", "topic")

    def __init__(self, rng):
        self.org = rng.choice(W.BANKS + W.COMPANIES)
        self.org2 = rng.choice([b for b in W.BANKS if b != self.org])
        self.person = person_name(rng)
        self.role = rng.choice(W.ROLES)
        self.city, self.dateline = rng.choice(W.CITIES)
        self.country = rng.choice(W.COUNTRIES)
        self.cb = rng.choice(W.CENTRAL_BANKS)
        self.regulator = rng.choice(W.REGULATORS)
        self.sector = rng.choice(W.SECTORS)
        self.trend = rng.choice(W.TRENDS)
        self.group = rng.choice(W.GROUPS)
        self.metric = rng.choice(W.METRICS)
        self.risk = rng.choice(W.RISKS)
        self.unit = rng.choice(W.UNITS)
        self.event = rng.choice(W.EVENTS)
        self.region = rng.choice(W.REGIONS)
        self.topic = rng.choice(W.TOPICS)


def person_name(rng) -> str:
    return f"{rng.choice(W.FIRST_NAMES)} {rng.choice(W.LAST_NAMES)}"


def last_name(name: str) -> str:
    first, _, last = name.partition(" ")
    return last or first


def _pct(rng, lo=0.3, hi=12.0) -> str:
    return f"{rng.uniform(lo, hi):.1f}%"


def _rate(rng) -> str:
    return f"{rng.choice([0.5, 0.75, 1, 1.25, 1.5, 2, 2.25, 2.5, 3, 3.25, 3.5, 3.75, 4, 4.25, 4.5, 5.25])}%"


def _amount(rng) -> str:
    cur = rng.choice(["$", "$", "€", "£", "CHF "])
    if rng.random() < 0.6:
        return f"{cur}{rng.uniform(1.1, 48):.1f} billion"
    return f"{cur}{rng.randrange(40, 950)} million"


_FIELD_MAKERS = {
    "org": lambda r, t: t.org, "org2": lambda r, t: t.org2, "org3": lambda r, t: r.choice(W.BANKS),
    "person": lambda r, t: t.person, "pl": lambda r, t: last_name(t.person), "person2": lambda r, t: person_name(r),
    "role": lambda r, t: t.role, "role2": lambda r, t: r.choice(W.ROLES), "city": lambda r, t: t.city,
    "city2": lambda r, t: r.choice(W.CITIES)[0], "country": lambda r, t: t.country,
    "Country": lambda r, t: cap_first(t.country), "cb": lambda r, t: t.cb, "regulator": lambda r, t: t.regulator,
    "sector": lambda r, t: t.sector, "trend": lambda r, t: lower_keep_acronyms(t.trend), "group": lambda r, t: t.group,
    "metric": lambda r, t: t.metric, "risk": lambda r, t: t.risk, "unit": lambda r, t: t.unit,
    "event": lambda r, t: t.event, "region": lambda r, t: t.region, "topic": lambda r, t: t.topic,
    "action": lambda r, t: r.choice(W.ACTIONS), "outlet": lambda r, t: r.choice(W.OUTLETS),
    "quote": lambda r, t: r.choice(W.QUOTES), "pct": lambda r, t: _pct(r), "pct_small": lambda r, t: _pct(r, 0.1, 1.9),
    "rate": lambda r, t: _rate(r), "amount": lambda r, t: _amount(r), "amount2": lambda r, t: _amount(r),
    "year": lambda r, t: r.randrange(2012, 2025), "year_next": lambda r, t: r.choice([2026, 2027, 2028]),
    "month": lambda r, t: r.choice(W.MONTHS), "day": lambda r, t: r.randrange(1, 29),
    "weekday": lambda r, t: r.choice(W.WEEKDAYS),
    "quarter": lambda r, t: r.choice(["first quarter", "second quarter", "third quarter", "fourth quarter"]),
    "int": lambda r, t: f"{r.randrange(2, 40) * 250:,}", "int2": lambda r, t: r.randrange(3, 60),
    "bp": lambda r, t: r.randrange(3, 28),
    "moved": lambda r, t: r.choice(["rose", "fell", "jumped", "slid", "climbed", "dropped"]),
    "rose_fell": lambda r, t: r.choice(["risen", "fallen", "grown", "shrunk"]),
    "rose_fell_past": lambda r, t: r.choice(["rose", "fell", "grew"]),
    "direction": lambda r, t: r.choice(["rise", "fall", "stabilise", "edge up", "ease"]),
    "n_years": lambda r, t: r.randrange(3, 15),
    # headline-only fields
    "driver": lambda r, t: r.choice(W.DRIVERS), "phrase": lambda r, t: r.choice(PHRASES),
    "oil_move": lambda r, t: r.choice(["rises", "falls", "steadies"]),
    "inflation": lambda r, t: r.choice(["eases", "quickens", "holds"]), "n": lambda r, t: r.randrange(3, 8),
    "Trend": lambda r, t: t.trend, "Sector": lambda r, t: title_case(t.sector), "Region": lambda r, t: cap_first(t.region),
    "Group": lambda r, t: title_case(t.group), "Event": lambda r, t: title_case(t.event),
    "Role": lambda r, t: title_case(t.role), "Metric": lambda r, t: cap_first(t.metric),
    "Group_s": lambda r, t: cap_first(t.group),
}


class _Fields(dict):
    """Template fields drawn only when a template uses them (each draw consumes the rng)."""

    def __init__(self, rng, t: Topic):
        super().__init__()
        self.rng, self.t = rng, t

    def __missing__(self, key):
        value = self[key] = _FIELD_MAKERS[key](self.rng, self.t)
        return value


def _fields(rng, t: Topic) -> dict:
    return _Fields(rng, t)


NEWS_SENTENCES = [
    "{org} said on {weekday} it would {action}, a move analysts said could reshape the {sector} sector.",
    "“{quote},” said {person2}, {role2} at {org2}.",
    "Shares in {org} {moved} {pct} in {city} trading, their biggest one-day move since {month}.",
    "The {cb} kept its benchmark rate at {rate}, in line with the expectations of economists polled by Reuters.",
    "{pl} told {outlet} that {metric} had {rose_fell} by {pct} in the {quarter}.",
    "Investors are watching whether {org} can protect its {metric} without taking on more risk.",
    "The deal, valued at about {amount}, would be the largest in {sector} since {year}.",
    "Regulators in {city} and {city2} have stepped up scrutiny of {topic} – a trend that has weighed on {group}.",
    "Analysts at {org2} expect {metric} to {direction} over the next 12–18 months.",
    "{org}’s {role}, {person}, has pledged to {action} by {year_next}.",
    "That compares with {amount2} a year earlier, when {event} rattled markets.",
    "The market for {trend} has grown by {pct} a year since {year}, according to the {regulator}.",
    "Some {group} remain sceptical. “{quote},” {pl} said.",
    "{org} declined to comment on {topic}.",
    "The {city}-based group employs around {int} people in {int2} countries.",
    "Fees from {unit} rose to {amount} in the first half, up from {amount2}.",
    "{Country}’s economy grew {pct_small} in the {quarter}, slower than the 2–3% pace policymakers had hoped for.",
    "For {group}, the bigger worry is {risk}.",
    "The {regulator} said in a statement that it was “monitoring the situation closely”.",
    "Bankers say {event} has left many {group} waiting on the sidelines.",
    "{org} and {org2} are among the lenders most exposed to {topic}, according to a note from {org3}.",
    "The yield on 10-year government bonds rose {bp} basis points to {rate} after the announcement.",
    "{pl}, who joined {org} from {org2} in {year}, has made {trend} a priority.",
    "Roughly {pct} of {org}’s loan book is tied to {sector}, company filings show.",
    "The {cb} is due to publish its next policy decision on {month} {day}.",
    "“We’re looking at every option,” said a person familiar with the matter, who declined to be named because the talks are private.",
    "The outcome could set the tone for {group} across {region}.",
    "Net profit came in at {amount}, beating the {amount2} consensus forecast compiled by LSEG.",
    "Critics argue that {topic} has been left to the market for too long.",
    "The {sector} industry has spent more than {amount} on {trend} since {year}.",
    "Whether that strategy pays off will depend on {risk} – and on how quickly rates fall.",
    "Advisers say the M&A pipeline in {sector} is the strongest it has been since {year}.",
    "In {city}, {group} have been quicker to adopt {trend} than their peers in {city2}.",
    "{person2}, {role2} at {org3}, said the {cb} was unlikely to move before {month}.",
    "The company’s {metric} improved for a third straight quarter, helped by lower funding costs.",
    "Those concerns were echoed at a conference in {city2} last week, where {group} dominated the agenda.",
    "{org} did not say how much the programme would cost, but people close to the bank put it at {amount}.",
    "Rating agencies have so far held off on a downgrade, though one warned that {risk} could change that.",
    "The {regulator} is expected to publish draft rules on {topic} before the end of the year.",
    "Trading volumes in {city} were thin ahead of {event}, brokers said.",
]

INTERVIEW_SENTENCES = [
    "We’ve spent the last {n_years} years building {trend} into everything we do.",
    "Our clients in {region} are asking for faster, cheaper {unit} services, and we have to deliver that.",
    "The biggest challenge is talent – there simply aren’t enough people who understand both {sector} and technology.",
    "We expect our {metric} to improve as {trend} matures.",
    "Regulation is a friend, not an enemy, if you engage with the {regulator} early.",
    "I’d say the next two years will decide which {group} come out on top.",
    "When I joined {org} in {year}, the conversation was very different.",
    "“{quote}” – that’s what I tell my team every Monday morning.",
    "We’re not trying to be everything to everyone; we want to be excellent for {group}.",
    "Partnerships matter more than ever, and our work with {org2} is a good example.",
    "The opportunity in {city} is enormous, but so is the competition.",
    "Frankly, {risk} keeps me up at night more than any competitor does.",
    "We invested {amount} last year, most of it in data and security.",
    "Our customers don’t want another app; they want problems solved.",
]

NEWS_HEADINGS = [
    "Background: {trend} and the {sector} outlook", "What {event} means for {group}",
    "Why {org} is betting on {trend}", "Pressure on {metric}", "Regulators step up scrutiny",
    "The view from {city}", "Risks ahead", "A changing market", "Investor reaction",
    "What comes next", "Costs, capital and competition", "Internal divisions and shifting priorities",
    "Market impact", "The bigger picture", "Funding and liquidity", "A test for the {cb}",
    "Recent results and their limited impact", "Potential triggers for further moves",
]

INTERVIEW_QUESTIONS = [
    "How is {trend} changing the way {group} operate?",
    "What are {org}’s priorities for {year_next}?",
    "Where do you see the biggest growth opportunities in {region}?",
    "How do you work with regulators such as the {regulator}?",
    "What keeps you up at night?",
    "What advice would you give to {group} starting out?",
    "How has {event} affected your business?",
]


def _fill(rng, t: Topic, template: str) -> str:
    return template.format_map(_fields(rng, t))


def sentence(rng, t: Topic, interview: bool = False) -> str:
    pool = INTERVIEW_SENTENCES if interview else NEWS_SENTENCES
    return cap_first(_fill(rng, t, rng.choice(pool)))


def paragraph(rng, t: Topic, interview: bool = False) -> str:
    return " ".join(sentence(rng, t, interview) for _ in range(rng.randrange(2, 6)))


def heading(rng, t: Topic) -> str:
    text = cap_first(_fill(rng, t, rng.choice(NEWS_HEADINGS)))
    if rng.random() < 0.45:
        text = title_case(text)
    return text


def quote_heading(rng) -> str:
    """An all-caps pull-quote heading, like the reference page's ‘LEADERS LIKE THIS COME ALONG ONLY ONCE'."""
    return "‘" + rng.choice(W.QUOTES).upper() + "’"


def interview_question(rng, t: Topic) -> str:
    return cap_first(_fill(rng, t, rng.choice(INTERVIEW_QUESTIONS)))


# -- headlines ------------------------------------------------------------------------------

WIRE_TITLES = [
    "{org} profit beats forecasts as {driver}",
    "{Country} central bank holds rates at {rate}, flags {risk}",
    "Exclusive-{org} explores sale of {unit} unit, sources say",
    "Analysis-{trend} puts {group} on the back foot",
    "{pl} says {org} will {action}",
    "Oil {oil_move} as {event} weighs on demand outlook",
    "{org} to cut {int} jobs in {city} overhaul",
    "Factbox-What {event} means for {group}",
    "{org} shares slide after {event}",
    "{Country} inflation {inflation} to {pct} in {month}",
    "EU lawmakers back tougher rules on {topic} in blow to {group}",
    "{org} names {person} as {role}",
    "{cb} warns of ‘{phrase}’ in {sector} lending",
    "{org} and {org2} in talks over {unit} tie-up, sources say",
    "{Country}’s {sector} sector braces for {risk}",
    "Britain’s FCA fines {org} over {topic} failings",
    "{org} raises {amount} in {city} bond sale as {group} pile in",
    "Exclusive-{Country} asks {org} to step up {topic} checks, sources say",
]

OWN_TITLES = [
    "How {Trend} Is Reshaping {Sector} in {Region}",
    "Why {Group} Are Betting on {Trend}",
    "The Future of {Sector}: {Trend} and Beyond",
    "{n} Ways {Trend} Will Change {Sector} in {year_next}",
    "What {Event} Means for {Group}",
    "Lessons From {city}: Building a Resilient {Sector} Sector",
    "{Trend} in {Region}: Opportunities and Risks for {Group}",
    "Inside {org}’s Push Into {Trend}",
    "Is {Region} Ready for {Trend}?",
    "From {city} to {city2}: The Rise of {Trend}",
]

INTERVIEW_TITLES = [
    "Interview: {person}, {Role} at {org}, on {Trend}",
    "In Conversation With {person}: {Trend} and the Road Ahead",
    "{person} of {org} on Why {Trend} Matters Now",
]

PHRASES = ["hidden risks", "complacency", "a cliff edge", "froth", "a credit crunch", "contagion"]


def headline(rng, t: Topic, kind: str) -> str:
    pool = {"interview": INTERVIEW_TITLES, "own": OWN_TITLES}.get(kind, WIRE_TITLES)
    text = cap_first(_fill(rng, t, rng.choice(pool)))
    if kind == "own":
        text = title_case(text)
    return text


# -- blocks around the body -------------------------------------------------------------------

SUMMARY_TEMPLATES = [
    "{org} said it would {action}, as {group} grapple with {risk} and pressure on {metric}.",
    "The {cb}’s latest decision leaves {group} facing a difficult year, with {risk} the main threat to {metric}.",
    "{trend} is moving from pilot projects to the core of {sector}, and {org} wants to lead the shift in {region}.",
    "Despite heavy investment, {group} in {region} are hesitating over {topic}, citing {risk} and thin margins.",
    "Markets reacted calmly to {event}, but analysts warn that {metric} at lenders such as {org} could come under strain.",
]

TAKEAWAY_TEMPLATES = [
    "{org} plans to {action}",
    "{Metric} {rose_fell_past} by {pct} in the {quarter}",
    "Regulators are paying closer attention to {topic}",
    "{Group_s} remain cautious because of {risk}",
    "The {cb} is expected to keep rates at {rate} for now",
    "Adoption of {trend} is fastest in {city}",
    "Analysts see the deal pipeline in {sector} improving through {year_next}",
]

FAQ_TEMPLATES = [
    ("What did {org} announce?", "{org} said it would {action}, citing {risk} and the outlook for {metric}."),
    ("Why does {topic} matter for {group}?",
     "Because it affects funding costs and capital, {topic} directly shapes what {group} can lend and invest."),
    ("How have markets reacted to {event}?",
     "Reaction has been measured so far: shares in {org} {moved} {pct}, while bond yields barely moved."),
    ("What are the main risks for the {sector} sector?",
     "Analysts point to {risk}, tighter regulation and competition from fintech firms."),
    ("What happens next for {org}?",
     "The company is expected to update investors on its plans to {action} at its next results."),
    ("How is {trend} changing the {sector} sector?",
     "It is lowering costs and speeding up services, but it also brings new operational and regulatory risks."),
    ("Who is most exposed to {risk}?", "{Group_s} in {region} are seen as the most exposed, according to analysts at {org2}."),
]


def summary(rng, t: Topic) -> str:
    return cap_first(_fill(rng, t, rng.choice(SUMMARY_TEMPLATES)))


def takeaways(rng, t: Topic, n: int) -> list:
    out = []
    for template in rng.sample(TAKEAWAY_TEMPLATES, n):
        text = cap_first(_fill(rng, t, template))
        if rng.random() < 0.4:
            text += f" ({rng.choice(W.REFERENCE_SITES)[1].removeprefix('www.')})"
        else:
            text += "."
        out.append(text)
    return out


def faq(rng, t: Topic, n: int) -> list:
    out = []
    for q, a in rng.sample(FAQ_TEMPLATES, n):
        f = _fields(rng, t)
        out.append({"question": cap_first(q.format_map(f)), "answer": cap_first(a.format_map(f))})
    return out


def references(rng, t: Topic, n: int) -> list:
    out = []
    for site, domain in rng.sample(W.REFERENCE_SITES, n):
        head = cap_first(_fill(rng, t, rng.choice(WIRE_TITLES[:12])))
        section = rng.choice(["business", "markets", "world", "finance", "news", "economy"])
        title = rng.choice([f"{head} | {title_case(section)} | {site}", f"{head} - {site}", head])
        path = f"/{section}/{rng.randrange(2023, 2027)}/{rng.randrange(1, 13):02d}/{slugify(head, 8, False)}"
        if rng.random() < 0.3:
            path += f"?id={rng.randrange(10000, 99999)}&ref=rss"
        out.append({"title": title, "url": f"https://{domain}{path}"})
    return out


def wire_slug_words(title: str) -> str:
    """The upper-case keyword stem of a wire-id slug, e.g. EU-BANKS-RUSSIANS."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    parts = [p for p in re.findall(r"[A-Za-z0-9]+", ascii_title) if p.lower() not in W.STOPWORDS]
    return "-".join(p.upper() for p in parts[:3])
