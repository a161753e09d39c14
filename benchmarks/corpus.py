"""Write a deterministic synthetic seed corpus for benchmarks. No clock, network or set order.

Usage::

    python benchmarks/corpus.py OUT_DIR N [--seed 1] [--start-date 2023-01-01]

Each seed is written to ``OUT_DIR/<NNNNNN>_<16 hex>.txt``: a YAML front matter block
(between ``---`` lines) followed by a Markdown body, or nothing when the seed has no body.
The same arguments always produce byte-identical files: every random choice comes from
``random.Random(seed)``, the wall clock is never read and no set is ever iterated.
The YAML is written by hand (strings quoted with ``json.dumps``, which YAML reads
as double-quoted scalars) because calling ``yaml.dump`` per file is far too slow for
100,000 seeds.
"""

from __future__ import annotations

import argparse
import base64
import bisect
import itertools
import json
import random
import re
import sys
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

__all__ = ["main", "write_corpus"]

DEFAULT_START = date(2023, 1, 1)
SPAN_SECONDS = 730 * 24 * 3600  # about two years
MAX_TITLE_WORDS = 16

# --------------------------------------------------------------------------- topics
# Ordered by popularity rank: the first topics are drawn far more often (Zipf-like).
TOPICS: tuple[str, ...] = (
    "AI", "Technology", "Politics", "Business", "Climate", "Elections", "Economy",
    "Health", "Science", "Cybersecurity", "Computer Vision", "Machine Learning",
    "Startups", "Finance", "Energy", "Space", "Privacy", "Cryptocurrency", "Education",
    "Sports", "Culture", "World", "Europe", "Asia", "Regulation", "Semiconductors",
    "Electric Vehicles", "Robotics", "Social Media", "Gaming", "Real Estate",
    "Agriculture", "Transportation", "Media", "Law", "Immigration", "Defense",
    "Public Health", "Biotech", "Quantum Computing", "Économie", "Open Source",
    "Supply Chain", "Labor", "Housing", "科技", "Travel", "Food", "Santé Publique",
    "Weather", "Fintech", "体育", "Art", "Music",
)
TOPIC_COUNT_WEIGHTS = (35, 35, 20, 10)  # 1, 2, 3 or 4 topics per article

# ------------------------------------------------------------------------ providers
# Hand-picked providers; the rest are generated.  Domains are always ASCII.
KNOWN_PROVIDERS: tuple[tuple[str, str], ...] = (
    ("coinspeaker", "coinspeaker.com"), ("Forbes", "forbes.com"),
    ("Reuters", "reuters.com"), ("The Verge", "theverge.com"),
    ("TechCrunch", "techcrunch.com"), ("BBC News", "bbc.co.uk"),
    ("The Guardian", "theguardian.com"), ("Bloomberg", "bloomberg.com"),
    ("Wired", "wired.com"), ("Ars Technica", "arstechnica.com"), ("CNBC", "cnbc.com"),
    ("Le Monde", "lemonde.fr"), ("Der Spiegel", "spiegel.de"),
    ("The Hindu", "thehindu.com"), ("ABC News", "abc.net.au"),
    ("VentureBeat", "venturebeat.com"), ("ZDNet", "zdnet.com"),
    ("The Register", "theregister.com"), ("Engadget", "engadget.com"),
    ("Axios", "axios.com"), ("International Business Times", "ibtimes.com"),
)
UNICODE_PROVIDERS: tuple[tuple[str, str], ...] = (
    ("中国日报网", "chinadaily.com.cn"), ("Süddeutsche Zeitung", "sueddeutsche.de"),
    ("Neue Zürcher Zeitung", "nzz.ch"), ("El País", "elpais.com"),
    ("Libération", "liberation.fr"), ("Les Échos", "lesechos.fr"),
    ("L'Équipe", "lequipe.fr"), ("Público", "publico.es"),
    ("Hürriyet", "hurriyet.com.tr"), ("Göteborgs-Posten", "gp.se"),
    ("Dagens Næringsliv", "dn.no"), ("Dziennik Łódzki", "dzienniklodzki.pl"),
    ("Le Télégramme", "letelegramme.fr"), ("Tagesschau – Das Erste", "tagesschau.de"),
    ("日本経済新聞", "nikkei.com"), ("朝日新聞", "asahi.com"), ("読売新聞", "yomiuri.co.jp"),
    ("人民网", "people.com.cn"), ("新华网", "xinhuanet.com"), ("澎湃新闻", "thepaper.cn"),
    ("财新网", "caixin.com"), ("联合早报", "zaobao.com.sg"), ("한겨레", "hani.co.kr"),
    ("조선일보", "chosun.com"), ("Коммерсантъ", "kommersant.ru"), ("РБК", "rbc.ru"),
    ("Καθημερινή", "kathimerini.gr"), ("Ведомости", "vedomosti.ru"),
    ("Česká televize", "ceskatelevize.cz"), ("Népszava", "nepszava.hu"),
    ("Expressen Nöje", "expressen.se"), ("Ouest‑France Économie", "ouest-france.fr"),
    ("Österreich Heute", "oe24.at"), ("São Paulo Diário", "spdiario.com.br"),
    ("Ilta-Sanomat Yö", "is.fi"), ("Aftenposten Økonomi", "aftenposten.no"),
    ("La Tercera Año", "latercera.com"),
)
NAME_PREFIXES: tuple[str, ...] = (
    "Tech", "Daily", "Global", "Metro", "Coin", "Data", "Green", "Civic", "Market",
    "Future", "Pixel", "Byte", "Capital", "Harbor", "Summit", "North", "Prairie",
    "Valley", "Coastal", "Quantum", "Atlas", "Beacon", "Crest", "Delta", "Echo",
    "Frontier", "Granite", "Horizon", "Insight", "Junction", "Keystone", "Lantern",
    "Meridian", "Nimbus", "Orbit", "Pioneer", "Signal", "Silicon", "River", "Union",
    "Liberty", "Evening", "Morning", "Weekly", "Crypto", "Chain", "Cloud", "Planet",
)
NAME_SUFFIXES: tuple[str, ...] = (
    "Times", "Post", "Herald", "Wire", "Daily", "Journal", "News", "Review", "Insider",
    "Observer", "Gazette", "Report", "Chronicle", "Today", "Dispatch", "Ledger", "Beat",
    "Pulse", "Hub", "Speaker", "Watch", "Digest", "Monitor", "Standard", "Tribune",
    "Record", "Courier", "Bulletin",
)
CITIES: tuple[str, ...] = (
    "Boston", "Denver", "Austin", "Portland", "Leeds", "Dublin", "Toronto", "Sydney",
    "Auckland", "Chicago", "Phoenix", "Glasgow", "Calgary", "Mumbai", "Lagos", "Nairobi",
)
TLDS: tuple[str, ...] = (
    "com", "com", "com", "com", "net", "org", "co.uk", "io", "news", "de", "fr",
    "com.au", "ca", "in", "ie", "co.nz",
)
GENERATED_PROVIDERS = 360
SECTIONS: tuple[str, ...] = (
    "world", "business", "tech", "politics", "science", "health", "markets", "local",
)
AUTHORS: tuple[str, ...] = (
    "johannacostigan", "alexkim", "mariarossi", "samokafor", "leenguyen", "danielweber",
    "priyapatel", "tomasgarcia",
)

# --------------------------------------------------------------------- English text
SUBJECTS: tuple[str, ...] = (
    "China", "The EU", "US Regulators", "Apple", "Google", "Microsoft", "OpenAI", "NASA",
    "The Federal Reserve", "Startups", "Scientists", "Researchers", "Lawmakers", "The UN",
    "Tesla", "Amazon", "Meta", "Local Officials", "Investors", "Farmers", "Teachers",
    "Doctors", "Hackers", "The Supreme Court", "Europe's Largest Bank", "India", "Brazil",
    "Germany", "Japan", "Nigeria", "Small Businesses", "City Council",
    "The World Health Organization", "Climate Activists", "Chipmakers", "Automakers",
    "Airlines", "The Pentagon", "Parliament", "Voters", "A New Study", "Satellite Data",
    "The World's Richest Man", "Nvidia", "Samsung", "The Bank of England", "Canada",
    "Australia", "Regulators in Brussels", "A Former Google Engineer",
)
VERBS: tuple[str, ...] = (
    "Proposes", "Unveils", "Announces", "Warns of", "Rejects", "Approves", "Launches",
    "Delays", "Backs", "Bans", "Invests in", "Cuts", "Expands", "Slams", "Probes",
    "Weighs", "Tests", "Sues Over", "Embraces", "Questions", "Halts", "Doubles Down on",
    "Signals", "Eyes", "Reveals", "Defends", "Scraps", "Fast-Tracks",
)
ADJECTIVES: tuple[str, ...] = (
    "Stricter", "New", "Sweeping", "Controversial", "Landmark", "Ambitious", "Record",
    "Long-Awaited", "Costly", "Experimental", "Global", "Open-Source", "Secretive",
    "Emergency", "Bipartisan", "Surprise", "Massive", "Modest", "Revised", "Historic",
)
NOUNS: tuple[str, ...] = (
    "Regulations on Facial Recognition", "Rules", "Privacy Law", "Chip Export Controls",
    "Carbon Tax", "AI Model", "Climate Plan", "Budget", "Rate Hike", "Vaccine Program",
    "Data Center", "Merger", "Trade Deal", "Satellite Launch", "Battery Plant",
    "Election Reform", "Housing Policy", "Antitrust Case", "Cybersecurity Framework",
    "Drone Program", "Language Model", "Robotaxi Service", "Wind Farm", "Stablecoin",
    "Tax Credit", "Quantum Computer", "Minimum Wage Increase", "Heat Pump Subsidy",
    "Social Media Ban for Teens", "Deepfake Detection Tool",
)
TAILS: tuple[str, ...] = (
    "to Protect Privacy", "Amid Rising Costs", "After Months of Talks", "in 2024",
    "Despite Opposition", "as Tensions Rise", "Before the Election", "for the First Time",
    "Ahead of Summit", "Following Data Breach", "in Bid to Curb Inflation",
    "as Demand Soars", "Over Safety Concerns", "With Billions at Stake", "Across Europe",
    "in Rural Areas", "After Record Heat", "to Boost Growth",
    "Under Pressure From Investors", "Worldwide", "Again", "This Week", "Today",
    "Report Says", "Sources Say", "Experts Warn", "in a Rare Move",
    "as Critics Cry Foul", "Two Years Later",
)
TITLE_PREFIXES: tuple[str, ...] = (
    "Exclusive:", "Analysis:", "Opinion:", "Breaking:", "Explainer:", "Watch:",
)
# Fragments with characters that need escaping in HTML, YAML or file names.
SPECIAL_PREFIXES: tuple[str, ...] = (
    "Q&A:", "AT&T and", "S&P 500 Slips as", '"Game Changer":', "<Live>", "'Historic' Day:",
    "Why It Isn't Over:", "R&D Boost:",
)
SPECIAL_SUFFIXES: tuple[str, ...] = (
    '— "Unacceptable"', "& More", "as Inflation Falls <3%", "at Costs < $5", "Q&A",
    "'Not a Game'", 'in "Landmark" Vote', "<Updated>",
)
OPENERS: tuple[str, ...] = (
    "According to officials,", "In a statement on Monday,", "Analysts say", "Critics argue",
    "For now,", "Meanwhile,", "Earlier this year,", "Sources familiar with the matter say",
    "", "", "", "",
)
FILLER_SENTENCES: tuple[str, ...] = (
    "The proposal still needs approval from lawmakers before it can take effect.",
    "Officials said the plan would “reshape the industry” within five years.",
    "It’s not yet clear how the rules would be enforced.",
    "The company declined to comment on the report.",
    "Shares rose 3.2% in early trading after the announcement.",
    "Experts say the impact on consumers will be limited in the short term.",
    "The move follows a series of similar measures in neighbouring countries.",
    "Several advocacy groups have already announced legal challenges.",
    "A spokesperson described the decision as “a necessary first step.”",
    "The data covers more than 40,000 households across 12 regions.",
    "Critics warn that the timeline is unrealistic.",
    "The agency will publish detailed guidance later this quarter.",
    "Negotiations are expected to resume next month.",
    "Local residents have mixed feelings about the project.",
    "The findings were published in a peer-reviewed journal on Tuesday.",
    "That’s a sharp reversal from the government’s position last year.",
)
BULLETS: tuple[str, ...] = (
    "Stricter limits on data retention", "A public register of approved systems",
    "Fines of up to 4% of annual revenue", "Independent audits every two years",
    "New reporting duties for large platforms", "Exemptions for small businesses",
    "A two-year transition period", "Funding for local pilot projects",
    "Mandatory labelling of synthetic media", "Regular public consultations",
)
HEADINGS: tuple[str, ...] = (
    "What happens next", "Why it matters", "Background", "The numbers",
    "Reaction from industry", "What critics say", "Key takeaways",
)

# ------------------------------------------------------------------ accented Latin
ACCENTED: tuple[tuple[tuple[str, ...], ...], ...] = (
    (  # French
        ("Le gouvernement", "L’Assemblée nationale", "La Banque de France",
         "Les agriculteurs", "Le ministre de l’Économie", "Les étudiants"),
        ("annonce", "dévoile", "rejette", "prépare", "présente", "réclame"),
        ("une réforme des retraites", "un plan climat ambitieux", "des mesures d’urgence",
         "une nouvelle taxe énergétique", "le budget de la santé", "un accord européen"),
        ("après des mois de négociations", "malgré la grève", "pour l’été", "à Paris",
         "dès janvier", "face à la hausse des prix", "selon un rapport"),
    ),
    (  # German
        ("Die Bundesregierung", "Der Stadtrat von München", "Forscher aus Zürich",
         "Die Bürgermeisterin", "Der Verbraucherschutz", "Ökonomen"),
        ("beschließt", "prüft", "fordert", "kritisiert", "verschärft", "plant"),
        ("neue Maßnahmen", "schärfere Regeln für Gesichtserkennung",
         "ein Förderprogramm für Elektroautos", "höhere Gebühren", "die Energiewende"),
        ("für Wärmepumpen", "gegen Datenmissbrauch", "ab nächstem Jahr",
         "nach heftiger Kritik", "trotz Widerstand", "in ganz Österreich"),
    ),
    (  # Spanish / Portuguese
        ("El Gobierno de España", "El Banco Central", "Los científicos",
         "La alcaldesa de Bogotá", "O governo de São Paulo", "Los jóvenes"),
        ("aprueba", "anuncia", "investiga", "propone", "lança", "rechaza"),
        ("una reforma energética", "nuevas reglas de privacidad",
         "más inversión en educación", "un plan de vivienda", "um programa de inovação"),
        ("tras meses de debate", "en Málaga", "según expertos", "para el próximo año",
         "pese a la oposición", "em todo o Brasil"),
    ),
)
ACCENT_FALLBACK: tuple[str, ...] = ("à l’étranger", "für Österreich", "en México", "já")

# ------------------------------------------------------------------------------ CJK
ZH_SUBJECTS: tuple[str, ...] = (
    "国务院", "中国央行", "欧盟", "美国政府", "研究人员", "科技公司", "地方政府", "专家",
    "北京市", "上海市", "国家网信办", "多家车企",
)
ZH_VERBS: tuple[str, ...] = (
    "发布", "提出", "加强", "推出", "暂停", "批准", "调查", "宣布", "征求意见", "收紧",
)
ZH_OBJECTS: tuple[str, ...] = (
    "人工智能新规", "个人信息保护措施", "面部识别技术监管规定", "新能源汽车补贴",
    "气候行动计划", "数字人民币试点", "芯片出口管制", "房地产调控政策", "医疗改革方案",
    "航天发射任务", "数据跨境流动规则",
)
ZH_TAILS: tuple[str, ...] = (
    "以保护隐私", "引发广泛关注", "应对经济下行压力", "专家称影响深远", "", "", "：详解",
    "，市场反应平淡", "（附全文）",
)
JA_TITLES: tuple[tuple[str, ...], ...] = (
    ("政府", "日銀", "トヨタ", "研究チーム", "東京都", "総務省"),
    ("、新たな規制を発表", "が利上げを検討", "が実証実験を開始", "が計画を延期",
     "が調査を開始", "、顔認証の指針案"),
    ("", "　専門家は懸念", "　来年から実施", "へ", "　背景に人手不足"),
)
ZH_SENTENCES: tuple[str, ...] = (
    "据悉，该规定将于明年正式实施。", "专家表示，新规有助于规范行业发展。",
    "相关部门表示将继续听取各方意见。", "业内人士认为，短期内影响有限。",
    "这一举措引发了社会各界的广泛讨论。", "数据显示，相关市场规模已超过千亿元。",
)

IMAGE_SIZES: tuple[tuple[int, int], ...] = (
    (1024, 683), (1200, 798), (1200, 630), (1200, 675), (1600, 900), (1920, 1080),
    (800, 450), (640, 427), (2048, 1365), (1280, 720), (750, 500), (1000, 1000),
    (1080, 1350), (300, 200),
)
B64_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

_PLAIN_OK = re.compile(r"[\w .\-]*")
_YAML_RESERVED = frozenset({"yes", "no", "true", "false", "on", "off", "null", "y", "n"})
_NON_SLUG = re.compile(r"[^a-z0-9]+")
_encode = json.JSONEncoder(ensure_ascii=False).encode
# Words kept capitalised when a title-case phrase is used inside a sentence.
PROPER_WORDS = frozenset((
    "China", "EU", "US", "Apple", "Google", "Microsoft", "OpenAI", "NASA", "Federal",
    "Reserve", "UN", "Tesla", "Amazon", "Meta", "Supreme", "Court", "Europe", "Europe's",
    "India", "Brazil", "Germany", "Japan", "Nigeria", "World", "World's", "Health",
    "Organization", "Pentagon", "Nvidia", "Samsung", "Bank", "England", "Canada",
    "Australia", "Brussels",
))


@dataclass(frozen=True, slots=True)
class Provider:
    """A news provider: display name, ASCII domain and URL layout (0-4)."""

    name: str
    domain: str
    url_style: int


@dataclass(slots=True)
class Head:
    """The parts of a seed other seeds may refer to (built in the first pass)."""

    title: str
    excerpt: str
    stamp: int  # seconds since the start date
    provider: Provider
    web_url: str
    slug: str
    lang: str  # "en", "acc" (accented Latin) or "cjk"


# ----------------------------------------------------------------------- helpers


def q(text: str) -> str:
    """Quote a string as a YAML double-quoted scalar (JSON syntax is valid YAML)."""
    return _encode(text)


def plain(text: str) -> str:
    """Write a short name as a plain YAML scalar when that is unambiguous, else quote it."""
    if (
        text[:1].isalpha()
        and _PLAIN_OK.fullmatch(text)
        and not text.endswith(" ")
        and text.lower() not in _YAML_RESERVED
    ):
        return text
    return q(text)


def zipf_cum_weights(n: int, exponent: float) -> list[float]:
    """Cumulative Zipf weights for ranks 1..n (for ``Random.choices``)."""
    return list(itertools.accumulate(1.0 / (rank**exponent) for rank in range(1, n + 1)))


def slugify(text: str, max_words: int = 9) -> str:
    """ASCII slug of a title; empty when the title has no Latin letters or digits."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = [w for w in _NON_SLUG.split(folded.lower()) if w]
    return "-".join(words[:max_words])


def fmt_time(start: datetime, stamp: int) -> str:
    """Format ``start + stamp seconds`` as an ISO 8601 UTC timestamp with ``Z``."""
    return (start + timedelta(seconds=stamp)).strftime("%Y-%m-%dT%H:%M:%SZ")


def agree(subject: str, verb: str) -> str:
    """Turn a third-person singular verb phrase into its plural form for plural subjects."""
    if not subject.endswith("s"):
        return verb
    head, sep, rest = verb.partition(" ")
    cut = 2 if head.endswith(("ches", "shes", "sses")) else 1
    return head[:-cut] + sep + rest


def sentence_case(phrase: str) -> str:
    """Lower-case a title-case phrase, keeping acronyms and proper nouns."""
    return " ".join(
        word if word in PROPER_WORDS or word.isupper() else word.lower()
        for word in phrase.split()
    )


def pick(rng: random.Random, items: tuple[str, ...]) -> str:
    """Uniform choice from a tuple of strings."""
    return items[int(rng.random() * len(items))]


# ------------------------------------------------------------------------ pools


def build_providers(rng: random.Random) -> list[Provider]:
    """Known, Unicode-named and generated providers, shuffled into popularity order."""
    seen_domains: set[str] = set()  # membership only, never iterated
    seen_names: set[str] = set()
    providers: list[Provider] = []

    def add(name: str, domain: str) -> None:
        if domain in seen_domains or name in seen_names:
            return
        seen_domains.add(domain)
        seen_names.add(name)
        providers.append(Provider(name, domain, rng.randrange(5)))

    for name, domain in KNOWN_PROVIDERS + UNICODE_PROVIDERS:
        add(name, domain)
    attempts = 0
    while len(providers) < len(KNOWN_PROVIDERS) + len(UNICODE_PROVIDERS) + GENERATED_PROVIDERS:
        attempts += 1
        if attempts > 100_000:  # pragma: no cover - pools are large enough
            break
        prefix, suffix = pick(rng, NAME_PREFIXES), pick(rng, NAME_SUFFIXES)
        style = rng.random()
        if style < 0.25:
            name = f"{prefix}{suffix}".lower()
            stem = name
        elif style < 0.45:
            name, stem = f"The {prefix} {suffix}", f"the{prefix}{suffix}".lower()
        elif style < 0.60:
            city = pick(rng, CITIES)
            name, stem = f"{city} {suffix}", f"{city}{suffix}".lower()
        elif style < 0.75:
            name, stem = f"{prefix}{suffix}", f"{prefix}{suffix}".lower()
        else:
            name, stem = f"{prefix} {suffix}", f"{prefix}-{suffix}".lower()
        add(name, f"{stem}.{pick(rng, TLDS)}")
    rng.shuffle(providers)  # list order is popularity rank
    return providers


def english_title(rng: random.Random) -> str:
    """An English headline of 4-16 words."""
    target = rng.randint(4, MAX_TITLE_WORDS)
    prefix: list[str] = []
    suffix: list[str] = []
    roll = rng.random()
    if roll < 0.015:  # characters that need escaping: & " < '
        prefix = pick(rng, SPECIAL_PREFIXES).split()
    elif roll < 0.03:
        suffix = pick(rng, SPECIAL_SUFFIXES).split()
    elif roll < 0.10:
        prefix = [pick(rng, TITLE_PREFIXES)]
    subject = pick(rng, SUBJECTS)
    words = prefix + subject.split() + agree(subject, pick(rng, VERBS)).split()
    if rng.random() < 0.6:
        words.append(pick(rng, ADJECTIVES))
    words += pick(rng, NOUNS).split()
    room = MAX_TITLE_WORDS - len(suffix)
    used: list[str] = []
    for _ in range(8):
        if len(words) >= target - len(suffix):
            break
        tail = pick(rng, TAILS)
        if tail not in used and len(words) + len(tail.split()) <= room:
            used.append(tail)
            words += tail.split()
    return " ".join(words[:room] + suffix)


def accented_title(rng: random.Random) -> str:
    """A French, German or Spanish headline containing accented letters."""
    subjects, verbs, objects, tails = ACCENTED[rng.randrange(len(ACCENTED))]
    parts = [pick(rng, subjects), pick(rng, verbs), pick(rng, objects)]
    if rng.random() < 0.7:
        parts.append(pick(rng, tails))
    title = " ".join(parts)
    if title.isascii():
        title += " " + pick(rng, ACCENT_FALLBACK)
    return title[0].upper() + title[1:]


def cjk_title(rng: random.Random) -> str:
    """A Chinese or Japanese headline without any Latin letter."""
    if rng.random() < 0.75:
        return (pick(rng, ZH_SUBJECTS) + pick(rng, ZH_VERBS) + pick(rng, ZH_OBJECTS)
                + pick(rng, ZH_TAILS))
    return "".join(pick(rng, part) for part in JA_TITLES)


def english_sentence(rng: random.Random) -> str:
    """One sentence of article prose."""
    if rng.random() < 0.4:
        return pick(rng, FILLER_SENTENCES)
    opener = pick(rng, OPENERS)
    subject = pick(rng, SUBJECTS)
    verb = agree(subject, pick(rng, VERBS)).lower()
    subject = sentence_case(subject)
    noun = sentence_case(pick(rng, NOUNS))
    adj = pick(rng, ADJECTIVES).lower() + " " if rng.random() < 0.5 else ""
    tail = " " + sentence_case(pick(rng, TAILS)) if rng.random() < 0.6 else ""
    text = f"{opener} {subject} {verb} {adj}{noun}{tail}.".strip()
    return text[0].upper() + text[1:]


def excerpt_for(rng: random.Random, lang: str, title: str) -> str:
    """A one- or two-sentence summary in the language of the title."""
    if lang == "cjk":
        return title + "。" + pick(rng, ZH_SENTENCES)
    if lang == "acc":
        return title + ". " + accented_title(rng) + "." if rng.random() < 0.5 else title + "."
    count = 1 if rng.random() < 0.6 else 2
    return " ".join(english_sentence(rng) for _ in range(count))


def markdown_body(rng: random.Random, lang: str) -> str:
    """A Markdown body of 1-6 paragraphs with some inline and block formatting."""
    blocks: list[str] = []
    paragraphs = rng.randint(1, 6)
    for index in range(paragraphs):
        if lang == "cjk":
            blocks.append("".join(pick(rng, ZH_SENTENCES) for _ in range(rng.randint(2, 4))))
            continue
        sentences = [english_sentence(rng) for _ in range(rng.randint(2, 5))]
        roll = rng.random()
        if roll < 0.2:
            sentences[0] = f"**{sentences[0][:-1]}**."
        elif roll < 0.35:
            sentences[-1] = f"_{sentences[-1][:-1]}_."
        elif roll < 0.5:
            slug = slugify(pick(rng, NOUNS)) or "x"
            sentences.append(f"Read the [full report](https://example.org/{slug}) for details.")
        blocks.append(" ".join(sentences))
        if index > 0 and rng.random() < 0.15:
            blocks.insert(len(blocks) - 1, "## " + pick(rng, HEADINGS))
        if rng.random() < 0.12:
            items = rng.sample(BULLETS, rng.randint(2, 5))
            blocks.append("\n".join("- " + item for item in items))
    return "\n\n".join(blocks)


def web_url(provider: Provider, slug: str, ident: int, when: str) -> str:
    """An article URL in the provider's URL layout."""
    domain = provider.domain
    year, month, day = when[0:4], when[5:7], when[8:10]
    style = provider.url_style
    if not slug and style in (0, 1, 4):
        style = 3
    if style == 0:
        return f"https://www.{domain}/{slug}/"
    if style == 1:
        return f"https://www.{domain}/{year}/{month}/{day}/{slug}/"
    if style == 2:
        section = SECTIONS[ident % len(SECTIONS)]
        tail = f"{slug}-{ident}" if slug else str(ident)
        return f"https://{domain}/news/{section}/{tail}"
    if style == 3:
        return f"https://www.{domain}/article/{ident}.html"
    author = AUTHORS[ident % len(AUTHORS)]
    return f"https://www.{domain}/sites/{author}/{year}/{month}/{day}/{slug}/"


def amp_urls(url: str) -> tuple[str, str]:
    """The AMP URL of an article and its Google AMP-cache URL."""
    if url.endswith("/"):
        amp = url + "amp/"
    elif url.endswith(".html"):
        scheme_host, _, path = url.partition("/article/")
        amp = f"{scheme_host}/amp/article/{path}"
    else:
        amp = url + "?outputType=amp"
    host = urlsplit(amp).netloc
    cdn_host = host.replace("-", "--").replace(".", "-")
    return amp, f"https://{cdn_host}.cdn.ampproject.org/c/s/{amp.removeprefix('https://')}"


def image_block(rng: random.Random, domain: str, slug: str, when: str, indent: str) -> str:
    """One ``- url/width/height/isCached`` list item."""
    width, height = IMAGE_SIZES[int(rng.random() * len(IMAGE_SIZES))]
    kind = rng.randrange(4)
    name = slug[:40].rstrip("-") or f"img{rng.randrange(10**6)}"
    if kind == 0:
        url = f"https://www.{domain}/wp-content/uploads/{when[0:4]}/{when[5:7]}/{name}.jpg"
    elif kind == 1:
        url = f"https://images.{domain}/{rng.getrandbits(64):016x}/{width}x{height}.jpg"
    elif kind == 2:
        url = f"https://cdn.{domain}/media/{rng.randrange(10**7)}.webp?width={width}&quality=80"
    else:
        url = (f"https://image.{domain}/imageserve/{rng.getrandbits(96):024x}/0x0.jpg"
               f"?format=jpg&width={width}")
    cached = "true" if rng.random() < 0.7 else "false"
    return (f"{indent}- url: {q(url)}\n{indent}  width: {width}\n"
            f"{indent}  height: {height}\n{indent}  isCached: {cached}\n")


def secured_blob(rng: random.Random) -> str:
    """An opaque ~300 character base64-like token."""
    first = base64.b64encode(rng.randbytes(rng.randint(200, 280))).decode("ascii")
    second = base64.b64encode(rng.randbytes(16)).decode("ascii")
    return f"{first};{second}"


# ------------------------------------------------------------------------- main


def _make_heads(
    rng: random.Random, count: int, providers: list[Provider], start: datetime
) -> list[Head]:
    cum = zipf_cum_weights(len(providers), 1.1)
    total = cum[-1]
    heads: list[Head] = []
    used_urls: set[str] = set()  # membership only
    for index in range(count):
        provider = providers[bisect.bisect(cum, rng.random() * total)]
        if index > 0 and rng.random() < 0.004:
            # Same title, same day, different seed: exercises path collisions.
            other = heads[rng.randrange(index)]
            title, lang = other.title, other.lang
            stamp = other.stamp - other.stamp % 86400 + rng.randrange(86400)
        else:
            roll = rng.random()
            if roll < 0.05:
                title, lang = cjk_title(rng), "cjk"
            elif roll < 0.10:
                title, lang = accented_title(rng), "acc"
            else:
                title, lang = english_title(rng), "en"
            stamp = rng.randrange(SPAN_SECONDS)
        when = fmt_time(start, stamp)
        slug = slugify(title)
        url = web_url(provider, slug, rng.randrange(10**6, 10**8), when)
        if url in used_urls:
            slug = f"{slug}-{index}" if slug else ""
            url = web_url(provider, slug, 10**8 + index, when)
        used_urls.add(url)
        heads.append(Head(title, excerpt_for(rng, lang, title), stamp, provider, url, slug, lang))
    return heads


def _related_block(
    rng: random.Random,
    index: int,
    head: Head,
    heads: list[Head],
    providers: list[Provider],
    start: datetime,
) -> str:
    count = rng.choices((0, 1, 2, 3, 4, 5), weights=(25, 25, 20, 15, 10, 5))[0]
    if count == 0:
        return "related: []\n"
    out = ["related:\n"]
    for _ in range(count):
        target: Head | None = None
        if len(heads) > 1 and rng.random() < 0.3:
            for _attempt in range(4):
                other = rng.randrange(len(heads))
                if other != index and heads[other].provider is not head.provider:
                    target = heads[other]
                    break
        if target is not None:
            title, url, provider = target.title, target.web_url, target.provider
            stamp, excerpt, slug = target.stamp, target.excerpt, target.slug
        else:
            provider = head.provider
            while provider is head.provider:
                provider = providers[int(rng.random() * len(providers))]
            title = english_title(rng) if rng.random() < 0.9 else cjk_title(rng)
            slug = slugify(title)
            stamp = max(0, head.stamp + rng.randrange(-3 * 86400, 3 * 86400))
            url = web_url(provider, slug, rng.randrange(10**6, 10**8), fmt_time(start, stamp))
            excerpt = english_sentence(rng)
        if target is None and rng.random() < 0.25:
            title = title[0] + sentence_case(title)[1:]  # some outlets use sentence case
        out.append(f"  - title: {q(title)}\n")
        if rng.random() < 0.75:
            if rng.random() < 0.5 and len(excerpt) > 60:
                excerpt = excerpt[: rng.randint(40, 60)].rstrip() + "..."
            out.append(f"    excerpt: {q(excerpt)}\n")
        when = fmt_time(start, stamp)
        if rng.random() < 0.85:
            out.append(f"    publishedDateTime: {when}\n")
        out.append(f"    webUrl: {q(url)}\n")
        if rng.random() < 0.3:
            amp, cdn = amp_urls(url)
            out.append(f"    ampWebUrl: {q(amp)}\n    cdnAmpWebUrl: {q(cdn)}\n")
        out.append(
            "    type: article\n    provider:\n"
            f"      name: {plain(provider.name)}\n      domain: {provider.domain}\n"
            f"    quality: {rng.randint(0, 100)}\n"
        )
        if rng.random() < 0.5:
            out.append("    images:\n")
            out.append(image_block(rng, provider.domain, slug, when, "      "))
        else:
            out.append("    images: []\n")
    return "".join(out)


def render_seed(
    rng: random.Random,
    index: int,
    heads: list[Head],
    providers: list[Provider],
    start: datetime,
    topic_cum: list[float],
) -> str:
    """The full text of seed ``index`` (front matter and body)."""
    head = heads[index]
    when = fmt_time(start, head.stamp)
    original = head.web_url
    if rng.random() < 0.1:
        original += ("&" if "?" in original else "?") + "utm_source=rss&utm_medium=feed"
    amp, cdn = amp_urls(head.web_url)
    heat = -1 if rng.random() < 0.4 else rng.randint(0, 100)
    published = "true" if rng.random() < 0.9 else "false"
    parts = [
        "---\ncategory: news\n",
        f"title: {q(head.title)}\nexcerpt: {q(head.excerpt)}\n",
        f"publishedDateTime: {when}\n",
        f"originalUrl: {q(original)}\nwebUrl: {q(head.web_url)}\n",
        f"ampWebUrl: {q(amp)}\ncdnAmpWebUrl: {q(cdn)}\n",
        f"type: article\nquality: {rng.randint(0, 100)}\nheat: {heat}\n",
        f"published: {published}\n\n",
        f"provider:\n  name: {plain(head.provider.name)}\n  domain: {head.provider.domain}\n\n",
        "topics:\n",
    ]
    wanted = rng.choices((1, 2, 3, 4), weights=TOPIC_COUNT_WEIGHTS)[0]
    topics: list[str] = []
    total = topic_cum[-1]
    while len(topics) < wanted:
        topic = TOPICS[bisect.bisect(topic_cum, rng.random() * total)]
        if topic not in topics:
            topics.append(topic)
    parts.extend(f"  - {plain(topic)}\n" for topic in topics)
    images = rng.choices((0, 1, 2), weights=(25, 60, 15))[0]
    if images:
        parts.append("\nimages:\n")
        parts.extend(
            image_block(rng, head.provider.domain, head.slug, when, "  ") for _ in range(images)
        )
    else:
        parts.append("\nimages: []\n")
    parts.append("\n")
    parts.append(_related_block(rng, index, head, heads, providers, start))
    parts.append(f"\nsecured: {q(secured_blob(rng))}\n---\n\n")
    parts.append(markdown_body(rng, head.lang) if rng.random() < 0.5 else "")
    parts.append("\n")
    return "".join(parts)


def write_corpus(
    out_dir: Path, count: int, seed: int = 1, start_date: date = DEFAULT_START
) -> list[Path]:
    """Write ``count`` seed files into ``out_dir`` and return their paths in order."""
    if count < 0:
        raise ValueError("count must be >= 0")
    rng = random.Random(seed)
    start = datetime(start_date.year, start_date.month, start_date.day)
    providers = build_providers(rng)
    topic_cum = zipf_cum_weights(len(TOPICS), 1.0)
    heads = _make_heads(rng, count, providers, start)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for index in range(count):
        text = render_seed(rng, index, heads, providers, start, topic_cum)
        path = out_dir / f"{index:06d}_{rng.getrandbits(64):016x}.txt"
        path.write_bytes(text.encode("utf-8"))
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("out_dir", type=Path, help="directory to write the seeds into")
    parser.add_argument("count", type=int, help="number of seeds to generate")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument(
        "--start-date",
        type=date.fromisoformat,
        default=DEFAULT_START,
        help="first publication date, YYYY-MM-DD (default 2023-01-01)",
    )
    args = parser.parse_args(argv)
    if args.count < 0:
        parser.error("N must be >= 0")
    paths = write_corpus(args.out_dir, args.count, seed=args.seed, start_date=args.start_date)
    print(f"wrote {len(paths)} seeds to {args.out_dir}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
