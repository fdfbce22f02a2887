"""Vocabulary for the replica's generated news: names, places, institutions, phrases.

Plain data only. Names of people and most companies are invented; places, central
banks and regulators are real so the prose reads like finance news. Non-ASCII
spellings (Zürich, São Paulo, Société Générale) and typographic quotes are deliberate:
the crawler must keep them as written.
"""

FIRST_NAMES = [
    "John", "Jane", "Sarah", "David", "Maria", "James", "Elena", "Tom", "Priya", "Michael",
    "Laura", "Daniel", "Chiara", "Kwame", "Haruka", "Wei", "Olumide", "Anna", "Marc", "Ruth",
    "José", "Zoë", "Søren", "Łukasz", "Hélène", "Björn", "Ángel", "François", "Siobhán", "Müge",
    "Rafael", "Ingrid", "Tariq", "Aisha", "Pedro", "Yuki", "Leila", "Nikolai", "Grace", "Oscar",
    "Amara", "Felix", "Nadia", "Samuel", "Clara", "Ravi", "Emma", "Lucas", "Fatima", "Hugo",
]

LAST_NAMES = [
    "Davison", "Roe", "Doe", "Holm", "Nowak", "Durand", "Ekström", "Muñoz", "Dubois", "O’Neill",
    "Yılmaz", "Álvarez", "Lefèvre", "Bianchi", "Mensah", "Adeyemi", "Sato", "Zhang", "Raman",
    "Whitfield", "Carvalho", "Schneider", "Kowalski", "Petrov", "Haddad", "Okafor", "Lindqvist",
    "Moreau", "Fischer", "Hartmann", "Castellano", "Nakamura", "Brennan", "Gallagher", "Iyer",
    "Van der Berg", "Costa", "Jansen", "Novak", "Rossi", "Fontaine", "Kaur", "Mahlangu", "Reyes",
    "Stansfield", "Thorne", "Wójcik", "Sørensen", "Krämer", "Ferreira",
]

ROLES = [
    "chief executive", "chief financial officer", "head of research", "chief economist",
    "portfolio manager", "senior analyst", "head of payments", "managing director",
    "head of fixed income", "chief investment officer", "head of digital banking",
    "partner", "head of risk", "strategist", "founder",
]

# Cities with their Reuters-style dateline spelling.
CITIES = [
    ("London", "LONDON"), ("New York", "NEW YORK"), ("Frankfurt", "FRANKFURT"),
    ("Zürich", "ZURICH"), ("São Paulo", "SÃO PAULO"), ("Singapore", "SINGAPORE"),
    ("Hong Kong", "HONG KONG"), ("Dubai", "DUBAI"), ("Mumbai", "MUMBAI"), ("Tokyo", "TOKYO"),
    ("Johannesburg", "JOHANNESBURG"), ("Paris", "PARIS"), ("Madrid", "MADRID"),
    ("Milan", "MILAN"), ("Warsaw", "WARSAW"), ("Kraków", "KRAKÓW"), ("Bogotá", "BOGOTÁ"),
    ("Mexico City", "MEXICO CITY"), ("Düsseldorf", "DÜSSELDORF"), ("Stockholm", "STOCKHOLM"),
    ("Brussels", "BRUSSELS"), ("Washington", "WASHINGTON"), ("Beijing", "BEIJING"),
    ("Shanghai", "SHANGHAI"), ("Istanbul", "ISTANBUL"), ("Lagos", "LAGOS"), ("Riyadh", "RIYADH"),
    ("Baghdad", "BAGHDAD"), ("Kyiv", "KYIV"), ("Montréal", "MONTRÉAL"), ("Reykjavík", "REYKJAVÍK"),
    ("Oslo", "OSLO"), ("Sydney", "SYDNEY"), ("Toronto", "TORONTO"), ("Abu Dhabi", "ABU DHABI"),
]

COUNTRIES = [
    "Germany", "France", "Britain", "Brazil", "Japan", "India", "China", "Switzerland",
    "Poland", "Turkey", "Mexico", "Colombia", "Nigeria", "South Africa", "Saudi Arabia",
    "Sweden", "Norway", "Canada", "Australia", "Italy", "Spain", "Indonesia", "Egypt", "Iraq",
    "the Netherlands", "the United States", "the United Arab Emirates",
]

CENTRAL_BANKS = [
    "European Central Bank", "Bank of England", "Federal Reserve", "Swiss National Bank",
    "Bank of Japan", "Reserve Bank of India", "Banco Central do Brasil", "Bank of Canada",
    "Norges Bank", "Riksbank", "People’s Bank of China", "South African Reserve Bank",
]

REGULATORS = [
    "Financial Conduct Authority", "Securities and Exchange Commission", "European Banking Authority",
    "Prudential Regulation Authority", "BaFin", "FINMA", "Monetary Authority of Singapore",
    "Basel Committee", "Financial Stability Board", "Autorité des marchés financiers",
]

# Invented and real institutions; the accents and ampersands are there on purpose.
BANKS = [
    "Société Générale", "Crédit Agricole", "Banco Atlântico", "Meridian Trust", "Halvorsen Capital",
    "Nordbank Ålesund", "Sterling & Rowe", "Castellane Bank", "Banque Lumière", "Kestrel Bank",
    "Ashford Lyle", "Pacifica Bancorp", "Union Bancaire Zürich", "Helix Private Bank",
    "Orchard & Finch", "Banco del Río", "Mercantile Eastern", "Aurum Savings", "Lakeshore Credit",
    "First Harbour Bank", "Grünwald Sparkasse", "Banca Serenissima", "Tanager Bank", "Corvid Bank",
]

COMPANIES = [
    "Atlas Payments", "Brightline Insurance", "Cobalt Ledger", "Driftwood Energy", "Everest Logistics",
    "Fennec AI", "Granite Re", "Harbourview Asset Management", "Ionic Semiconductors", "Juniper Telecom",
    "Kite Robotics", "Lumen Wealth", "Monarch Airlines", "Northwind Mining", "Opal Retail",
    "Pioneer Steel", "Quanta Cloud", "Redwood Pharma", "Solstice Solar", "Tessellate Fintech",
    "Umbra Security", "Vantage Motors", "Willow & Stone", "Xylo Chemicals", "Yarrow Foods",
    "Zephyr Shipping", "Nestlé Suisse Holdings", "Café Brasília Exports", "Lotus Markets", "Sable Capital",
]

SECTORS = [
    "banking", "insurance", "asset management", "payments", "private equity", "commodities",
    "energy", "semiconductor", "shipping", "real estate", "telecoms", "retail", "mining",
    "fintech", "wealth management", "pharmaceutical", "automotive", "airline", "steel",
]

UNITS = [
    "asset management", "consumer lending", "insurance", "custody", "card payments",
    "mortgage", "private banking", "investment banking", "leasing", "data centre",
]

TRENDS = [
    "Artificial Intelligence", "Open Banking", "Embedded Finance", "Tokenisation",
    "Real-Time Payments", "Green Bonds", "Private Credit", "Digital Identity", "Instant Lending",
    "Stablecoins", "Quantum Computing", "Cloud Migration", "Regtech", "Cross-Border Payments",
    "Sustainable Finance", "Generative AI", "Central Bank Digital Currencies", "Cyber Resilience",
    "Wealth Tech", "Buy Now, Pay Later",
]

GROUPS = [
    "mid-sized lenders", "pension funds", "retail investors", "regional banks", "hedge funds",
    "small businesses", "insurers", "emerging-market borrowers", "exporters", "fintech start-ups",
    "sovereign wealth funds", "commodity traders", "credit unions", "family offices",
]

REGIONS = [
    "Europe", "Asia", "Latin America", "the Gulf", "Africa", "the Nordics", "North America",
    "Central Europe", "Southeast Asia", "the UK",
]

METRICS = [
    "net interest income", "core inflation", "loan growth", "trading revenue", "operating margin",
    "deposit volumes", "fee income", "bad-loan provisions", "free cash flow", "capital ratio",
    "assets under management", "bond yields", "credit spreads", "market share",
]

RISKS = [
    "sticky inflation", "a slowdown in China", "higher energy prices", "rising defaults",
    "tariff uncertainty", "weaker consumer demand", "geopolitical tension", "a stronger dollar",
    "tighter regulation", "cyber attacks", "falling commodity prices", "a property downturn",
]

DRIVERS = [
    "trading desks shine", "lending margins hold up", "cost cuts kick in", "deal-making recovers",
    "wealth inflows accelerate", "bad-loan charges fall", "volatility lifts fees",
    "demand from Asia rebounds",
]

ACTIONS = [
    "cut costs by a further 10%", "expand into Southeast Asia", "buy back more shares",
    "sell its remaining stake", "raise fresh capital", "close dozens of branches",
    "launch a digital-only bank", "shift more lending to green projects",
    "double its investment in AI", "list its payments arm", "exit retail banking in the region",
]

EVENTS = [
    "the latest rate decision", "a surprise profit warning", "the collapse of merger talks",
    "a sharp drop in oil prices", "the new sanctions package", "a weaker-than-expected jobs report",
    "the budget announcement", "the ratings downgrade", "a failed bond auction",
    "the central bank’s policy review",
]

TOPICS = [
    "capital requirements", "interest rate policy", "the bank levy", "digital payments",
    "climate disclosures", "deposit flight", "commercial property loans", "cross-border transfers",
    "crypto custody", "outsourcing to cloud providers", "consumer duty rules", "money laundering controls",
]

QUOTES = [
    "We are not seeing the kind of stress that would worry us",
    "This is a pivotal year for the whole industry",
    "Clients want speed, and they want certainty",
    "It’s too early to say whether the worst is behind us",
    "We don’t expect a sharp rebound before the second half",
    "There’s a lot of money still waiting on the sidelines",
    "The numbers speak for themselves",
    "Nobody wants to be the first to blink",
    "We have the balance sheet to be patient",
    "Regulators have made their expectations very clear",
    "The easy gains have already been made",
    "I just don’t think the market has priced this in",
    "Our customers don’t care about the technology – they care about the service",
    "It’s a marathon, not a sprint",
]

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]

OUTLETS = ["Reuters", "the Financial Times", "Bloomberg", "CNBC", "Handelsblatt", "Les Échos",
           "the Wall Street Journal", "Valor Econômico"]

# Outlets for the References block: (site name, domain).
REFERENCE_SITES = [
    ("The Guardian", "www.theguardian.com"), ("The Washington Post", "www.washingtonpost.com"),
    ("Financial Times", "www.ft.com"), ("Reuters", "www.reuters.com"), ("Bloomberg", "www.bloomberg.com"),
    ("Bank for International Settlements", "www.bis.org"), ("IMF", "www.imf.org"),
    ("European Central Bank", "www.ecb.europa.eu"), ("Bank of England", "www.bankofengland.co.uk"),
    ("Federal Reserve", "www.federalreserve.gov"), ("World Bank", "www.worldbank.org"),
    ("OECD", "www.oecd.org"), ("FDD", "www.fdd.org"), ("CNBC", "www.cnbc.com"),
    ("The Economist", "www.economist.com"),
]

# Tag display names; slugs are derived from them.
TAGS = [
    "Finance", "Banking", "Markets", "Geopolitics", "Middle East", "Central Banks", "Fintech",
    "ESG", "Cryptocurrency", "Interest Rates", "M&A", "Private Equity", "Regulation", "Payments",
    "AI", "Cybersecurity", "Wealth Management", "Insurance", "Emerging Markets", "Commodities",
    "Oil", "Inflation", "Sanctions", "Trade", "Europe", "Asia", "United States", "Latin America",
    "Africa", "UK", "Switzerland", "Brazil", "Energy", "Real Estate", "Startups", "Open Banking",
    "Sustainability", "Bonds", "Equities", "Forex", "Technology", "Business", "Investing",
    "Economy", "Leadership",
]

STOPWORDS = {"a", "an", "the", "of", "in", "on", "to", "for", "and", "as", "at", "by", "with",
             "is", "are", "its", "it", "from", "into", "after", "over", "be"}

# The site's boilerplate, as the reference page shows it.
ABOUT_TEXT = (
    "Global Banking & Finance Review® is a global financial intelligence and recognition platform "
    "delivering authoritative insights, data-driven analysis, and institutional benchmarking across "
    "Banking, Capital Markets, Investment, Technology, and Financial Infrastructure. Global Banking & "
    "Finance Review® operates a Digital-First Banking Awards Program and framework — an industry-first "
    "digital only recognition model built for the modern financial era, delivering continuous, "
    "transparent, and data-driven evaluation of institutional performance."
)

DISCLOSURE_TEXT = (
    "Global Banking & Finance Review® is an online platform offering news, analysis, and opinion on "
    "the latest trends, developments, and innovations in the banking and finance industry worldwide. "
    "The platform covers a diverse range of topics, including banking, insurance, investment, wealth "
    "management, fintech, and regulatory issues. The website publishes news, press releases, opinion "
    "and advertorials on various financial organizations, products and services which are commissioned "
    "from various Companies, Organizations, PR agencies, Bloggers etc. These commissioned articles are "
    "commercial in nature. This is not to be considered as financial advice and should be considered "
    "only for information purposes. It does not reflect the views or opinion of our website and is not "
    "to be considered an endorsement or a recommendation. We cannot guarantee the accuracy or "
    "applicability of any information provided with respect to your individual or personal "
    "circumstances. Please seek Professional advice from a qualified professional before making any "
    "financial decisions. We link to various third-party websites, affiliate sales networks, and to our "
    "advertising partners websites. When you view or click on certain links available on our articles, "
    "our partners may compensate us for displaying the content to you or make a purchase or fill a form. "
    "This will not incur any additional charges to you. To make things simpler for you to identity or "
    "distinguish advertised or sponsored articles or links, you may consider all articles or links "
    "hosted on our site as a commercial article placement. We will not be responsible for any loss you "
    "may suffer as a result of any omission or inaccuracy on the website."
)
