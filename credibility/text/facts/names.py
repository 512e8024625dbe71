"""Names: capitalised spans with titles, possessives and accents stripped, and the word lists that
tell a name from a word capitalised by its position."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from typing import NamedTuple

from credibility.text.facts.tokens import _NUMBER_WORDS, _PLURALS, _Tok, _words

# Titles stripped from the front of a name; a leading run of these is stripped when it holds a head
# ("Foreign Minister Lavrov" -> "Lavrov") and kept when it does not ("Foreign Ministry").
_TITLE_HEADS = frozenset(
    _words(
        "mr mrs ms miss mx dr prof professor gen general col colonel lt lieutenant maj major capt captain cmdr "
        "commander adm admiral sgt sergeant marshal sen senator rep representative gov governor mayor "
        "president minister premier chancellor secretary ambassador envoy king queen prince princess emperor "
        "pope sheikh sheik emir sir dame lord lady judge rev reverend father bishop archbishop ayatollah imam "
        "rabbi chairman chairwoman chair director spokesman spokeswoman spokesperson commissioner inspector "
        "superintendent chief officer detective mp mep speaker leader coach ceo cardinal sultan"
    )
)
_TITLE_MODIFIERS = frozenset(
    _words(
        "prime deputy vice foreign defence defense interior finance health home state former acting interim "
        "crown field grand supreme attorney first executive senior junior national security economy trade "
        "energy education labour labor culture environment transport agriculture justice of the"
    )
)
_ABBREV_TITLES = frozenset(_words("mr mrs ms dr gen col lt maj capt cmdr adm sgt sen rep gov prof rev st fr"))
_NAME_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})
# Lower-case words allowed inside a name between two capitalised ones ("Bank of England", "bin Salman").
_CONNECTORS = frozenset(_words("of for de del della di da du des van von der den la le al el bin ibn bint y"))
_PARTICLES = _CONNECTORS | {"the", "and"}

# Capitalised only because they open a sentence, a quote or a clause: not names there. Mid-sentence a
# capitalised word is a name whatever it is.
_FUNCTION_OPENERS = frozenset(
    _words("""
a an the this that these those there here it its he she they we i you his her their our my your him them
me and but or so yet nor for if when while whilst after before since as because although though unless
until once where whether which who whom whose what why how then thus hence also still even just only now
today yesterday tomorrow tonight meanwhile however moreover furthermore additionally nevertheless
nonetheless instead indeed overall finally eventually later earlier already recently currently previously
initially separately elsewhere otherwise similarly likewise again perhaps maybe yes no not never all some
many most several few both each every either neither none any another other others such much more less
according asked despite during in on at by with without from to of into onto over under about against
among amid amidst between through throughout within across along around behind beyond near off out up
down upon via per unlike like following including regarding concerning given whereas let is are was were
be been being has have had do does did will would can could should may might must shall there's let's
it's that's he's she's they're we're i'm what's here's rather whatever whoever wherever whichever whenever
afterwards thereafter nearly almost roughly just
""")
)
_COMMON_OPENERS = frozenset(
    _words("""
one ones officials official authorities police analysts analyst experts expert critics critic residents
resident witnesses witness protesters protestors demonstrators troops soldiers forces rebels militants
fighters insurgents gunmen lawmakers legislators ministers leaders investigators prosecutors doctors medics
hospitals schools teachers students scientists researchers economists diplomats observers sources source
reports report data figures statistics results voters citizens people families children women men workers
employees staff companies company firms banks markets investors shares prices sales profits government
governments officers rescuers firefighters paramedics survivors victims refugees migrants civilians
patients cases deaths casualties estimates polls surveys supporters opponents members activists
journalists reporters locals neighbours neighbors villagers farmers drivers passengers tourists visitors
fans players military army navy court courts judges lawyers attorneys talks negotiations fighting violence
attacks strikes protests elections election president minister spokesman spokeswoman
new old last next half speaking citing responding told said says added noted warned explained claimed
argued insisted stressed urged described called accused denied confirmed announced reported eyewitnesses
footage images video photos pictures satellite emergency health security economic political local
regional international national global federal central foreign domestic public private independent senior
former top key major big small large high low early late long short full shareholders negotiators
campaigners inspectors auditors detectives regulators commanders engineers bankers traders pilots crews
guards nurses parents teenagers owners buyers consumers customers users viewers readers scholars historians
academics environmentalists unions shoppers commuters pensioners landlords tenants motorists athletes
heavy fierce severe strong torrential deadly violent massive huge intense renewed fresh further additional
recent latest initial preliminary unofficial rising falling higher lower record soaring surging growing
mounting widespread sporadic overnight daily weekly monthly annual rival opposition armed masked
unidentified unknown suspected alleged angry frustrated worried concerned anxious desperate hungry
clashes shelling airstrikes explosions blasts rain snow floods flooding wildfires fires storms winds
temperatures inflation growth unemployment demand supply exports imports stocks bonds oil gas gold trading
production output demonstrations tensions concerns fears hopes questions criticism pressure support anger
outrage calls rumours rumors allegations claims evidence tougher stricter stronger weaker
lawmaker legislator diplomat survivor victim soldier officer spokesperson shares sources
""")
)
_DEMONYMS = frozenset(
    _words("""
american british english scottish welsh irish french german italian spanish portuguese dutch belgian swiss
austrian polish czech slovak hungarian romanian bulgarian greek turkish russian ukrainian belarusian
georgian armenian azerbaijani kazakh uzbek afghan pakistani indian bangladeshi chinese japanese korean
vietnamese thai indonesian malaysian filipino australian canadian mexican brazilian argentine argentinian
chilean colombian venezuelan cuban peruvian egyptian libyan tunisian algerian moroccan sudanese ethiopian
eritrean somali kenyan nigerian ghanaian malian nigerien chadian congolese rwandan ugandan tanzanian
zimbabwean mozambican angolan saudi emirati qatari kuwaiti bahraini omani yemeni iraqi iranian syrian
lebanese jordanian israeli palestinian kurdish arab arabic european african asian western eastern
northern southern islamic muslim christian jewish catholic orthodox sunni shia shiite republican
democratic democrat swedish norwegian danish finnish icelandic estonian latvian lithuanian serbian
croatian bosnian albanian kosovan slovenian macedonian moldovan cypriot maltese taiwanese tibetan uyghur
uighur burmese cambodian nepali haitian jamaican soviet
""")
)
# Spellings of one entity that share no word, prefix or acronym.
_ALIASES = {
    "britain": "uk",
    "great britain": "uk",
    "british": "uk",
    "english": "england",
    "america": "us",
    "usa": "us",
    "american": "us",
    "united states of america": "us",
    "holland": "netherlands",
    "dutch": "netherlands",
    "french": "france",
    "swiss": "switzerland",
    "welsh": "wales",
    "irish": "ireland",
    "danish": "denmark",
    "filipino": "philippines",
    "emirati": "uae",
    "soviet": "ussr",
    "soviet union": "ussr",
}


class _Name(NamedTuple):
    tokens: tuple[str, ...]  # normalized words, titles stripped
    canon: str  # alias-resolved joined form
    acronym: bool
    adjective: bool  # a demonym ("Russian"): pairs only with other demonyms
    text: str


def _is_acronym(tok: _Tok) -> bool:
    return tok.kind == "acr" or (len(tok.text) >= 2 and tok.text.isupper() and tok.text.isalpha())


def _name_part(tok: _Tok) -> tuple[str, bool] | None:
    """The name-bearing text of a token and whether the token ends the name (a hyphen compound with a
    lower-case tail: "Russian-backed", "Haftar-led"); None if the token is not capitalised."""
    if tok.kind == "acr":
        return (tok.text, False) if tok.text[0].isupper() else None
    if tok.kind != "word":
        return None
    if "-" not in tok.text:
        return (tok.text, False) if tok.text[0].isupper() else None
    parts = tok.text.split("-")
    if not any(p[:1].isupper() for p in parts):
        return None
    if parts[-1][:1].isupper():  # "Al-Qaeda", "al-Assad", "Rolls-Royce", "pro-Russian"
        keep = [p for p in parts if p[:1].isupper() or p.lower() in _CONNECTORS]
        while keep and not keep[0][:1].isupper() and keep[0].lower() not in _CONNECTORS:
            keep.pop(0)
        return "-".join(keep), False
    head: list[str] = []
    for p in parts:
        if not p[:1].isupper():
            break
        head.append(p)
    return ("-".join(head), True) if head else None


def _strip_accents(s: str) -> str:
    if s.isascii():
        return s
    return "".join(c for c in unicodedata.normalize("NFD", s) if not unicodedata.combining(c))


def _normalize_name_word(w: str) -> list[str]:
    w = _strip_accents(w).casefold().replace(".", "")
    if w.endswith("'s"):
        w = w[:-2]
    w = w.rstrip("'")
    return [p for p in re.split(r"[-']", w) if p] if ("-" in w or "'" in w) else ([w] if w else [])


def _make_name(words: list[str], acronym: bool, text: str) -> _Name | None:
    core = _name_core(tuple(words), acronym)
    return None if core is None else _Name(*core, text)


@lru_cache(maxsize=16384)  # names recur across sentences; this is the costly part of a name
def _name_core(words: tuple[str, ...], acronym: bool) -> tuple[tuple[str, ...], str, bool, bool] | None:
    low = [w.lower().rstrip(".") for w in words]
    # Leading title run: strip it if it holds a head ("Gen.", "Foreign Minister", "Secretary of State").
    k = 0
    while k < len(low) and (low[k] in _TITLE_HEADS or low[k] in _TITLE_MODIFIERS):
        k += 1
    if any(w in _TITLE_HEADS for w in low[:k]):
        if k == len(low):
            return None  # "the President", "Gen.": a bare title names nobody in particular
        words, low = words[k:], low[k:]
    while low and low[-1] in _NAME_SUFFIXES:
        words, low = words[:-1], low[:-1]
    while words and low[0] in _PARTICLES:
        words, low = words[1:], low[1:]
    tokens: list[str] = []
    for w in words:
        tokens.extend(_normalize_name_word(w))
    if not tokens or (len(tokens) == 1 and len(tokens[0]) < 2):
        return None
    joined = " ".join(tokens)
    canon = _ALIASES.get(joined) or country_entities().get(joined, joined)
    adjective = len(tokens) == 1 and tokens[0] in _DEMONYMS
    return tuple(tokens), canon, acronym and len(tokens) == 1, adjective


# Seats of government that stand for their country in news copy ("the Kremlin said"). Capitals come
# from the countryinfo dataset; this table holds only the buildings and streets, kept short on
# purpose: each entry makes two names the same entity.
SEATS_OF_GOVERNMENT = {
    "kremlin": "RU",
    "white house": "US",
    "downing street": "GB",
    "elysee": "FR",
    "elysee palace": "FR",
    "zhongnanhai": "CN",
    "bundeskanzleramt": "DE",
    "chancellery": "DE",
    "quirinale": "IT",
    "palazzo chigi": "IT",
    "moncloa": "ES",
    "knesset": "IL",
    "blue house": "KR",
    "kiev": "UA",  # the older spelling, still common in copy
}
# A capital stands for its country only where the country is large enough for the metonymy to be
# usual in news ("Moscow said"); small states' capitals are also common personal names (Victoria).
_CAPITAL_MIN_POPULATION = 1_000_000
# The canonical key of a country where the word list above already names it ("uk", "us").
_COUNTRY_CANON = {"GB": "uk", "US": "us", "AE": "uae", "NL": "netherlands"}
# Alternative spellings of three letters or fewer are codes ("IT", "IN", "RUS"): they read as
# acronyms in text, so only these common ones count.
_SHORT_SPELLINGS = frozenset({"uk", "usa", "uae", "drc", "prc"})


def _entity_words(name: str) -> str:
    return " ".join(p for w in name.split() for p in _normalize_name_word(w))


@lru_cache(maxsize=1)
def country_entities() -> dict[str, str]:
    """Names that mean the same country: its names, capital, demonym and seat of government.

    From the countryinfo dataset (names, alternative spellings, capitals, demonyms) plus
    :data:`SEATS_OF_GOVERNMENT`. Keys are normalized name words ("moscow", "united kingdom"),
    values the country's canonical key ("russia", "uk"). Two capitals of different countries
    stay different; a city that is not a capital is not in the table.
    """
    from countryinfo import all_countries

    table: dict[str, str] = {}
    by_code: dict[str, str] = {}
    countries = []
    for country in all_countries():
        try:
            code = str(country.iso(2)).upper()
            name = str(country.name())
            population = int(country.population() or 0)
        except Exception:  # a dataset entry without ISO code or name is no country to us
            continue
        countries.append((population, code, name, country))
    # The most populous first: a demonym shared with a territory ("American") names the country.
    for population, code, name, country in sorted(countries, key=lambda c: -c[0]):
        canon = _COUNTRY_CANON.get(code) or _entity_words(name)
        by_code[code] = canon
        spellings = [name, *(country.alt_spellings() or [])]
        capital = country.capital()
        if capital and population >= _CAPITAL_MIN_POPULATION:
            # "Washington D.C." is "Washington" in copy.
            spellings.append(str(capital).split(",")[0].removesuffix(" D.C.").strip())
        demonym = country.demonym()
        if demonym:
            spellings.append(str(demonym))
        for spelling in spellings:
            key = _entity_words(str(spelling))
            if not key or not key.isascii() or (len(key) <= 3 and key not in _SHORT_SPELLINGS):
                continue
            table.setdefault(key, canon)
    for seat, code in SEATS_OF_GOVERNMENT.items():
        if code in by_code:
            table[seat] = by_code[code]
    return table


_INITIAL_BEFORE = frozenset("\"'(:[-;.?!*•")


# Endings of English adjectives and abstract nouns that names hardly have.
_COMMON_SUFFIXES = (
    "ous",
    "ive",
    "ful",
    "less",
    "able",
    "ible",
    "ical",
    "ness",
    "ment",
    "ments",
    "tion",
    "tions",
    "sion",
    "sions",
    "ity",
    "ities",
    "ism",
    "ists",
)


def _is_common_opener(word: str) -> bool:
    """A capitalised word at a sentence/quote start that is most likely an ordinary word."""
    w = word.lower()
    if w in _FUNCTION_OPENERS or w in _COMMON_OPENERS or (w.endswith("'s") and w[:-2] in _COMMON_OPENERS):
        return True
    if len(w) >= 6 and w.endswith("ly"):  # "Separately", "Reportedly" (not "Italy")
        return True
    if len(w) >= 6 and w.endswith(_COMMON_SUFFIXES):  # "Dangerous", "Negotiations", "Authorities"
        return True
    return len(w) >= 6 and w.endswith("ing") and not w.endswith("jing")  # "Speaking", "According"


def _read_names(toks: Sequence[_Tok], text: str, used: set[int], cands: Sequence[int]) -> list[_Name]:
    out: list[_Name] = []
    n = len(toks)
    skip_to = 0
    for i in cands:
        if i < skip_to or i in used:
            continue
        t0 = toks[i]
        part = _name_part(t0)
        if part is None or t0.lower in _NUMBER_WORDS or t0.lower in _PLURALS:
            continue
        initial = i == 0 or toks[i - 1].text in _INITIAL_BEFORE
        words = [part[0]]
        starts = [t0.start]  # where each word starts, for the reported text
        ends = part[1] or toks[i].text.endswith(("'s", "'"))
        acronym = _is_acronym(toks[i])
        j = i + 1
        while not ends and j < n:
            t = toks[j]
            if t.text == "." and j + 1 < n and words[-1].lower() in _ABBREV_TITLES:
                j += 1  # "Gen. Haftar", "St. Petersburg"
                continue
            if t.kind == "word" and t.lower in _CONNECTORS and j + 1 < n and j + 1 not in used:
                after = _name_part(toks[j + 1])
                if after is not None and toks[j + 1].lower not in _NUMBER_WORDS:
                    words.append(t.text)
                    starts.append(t.start)
                    j += 1
                    continue
            nxt = None if j in used else _name_part(t)
            if nxt is None or t.lower in _NUMBER_WORDS:
                break
            words.append(nxt[0])
            starts.append(t.start)
            acronym = False
            ends = nxt[1] or t.text.endswith(("'s", "'"))
            j += 1
        if initial:
            # Drop ordinary words capitalised by position: a leading function word ("The United
            # Nations", "But Putin"), or a lone common word ("Analysts said").
            while len(words) > 1 and (
                words[0].lower() in _FUNCTION_OPENERS
                or (words[1].lower() in _CONNECTORS and _is_common_opener(words[0]))  # "Forces of Haftar"
            ):
                words.pop(0)
                starts.pop(0)
                while words and words[0].lower() in _CONNECTORS:
                    words.pop(0)
                    starts.pop(0)
            if (
                len(words) == 1
                and not (len(words[0]) > 1 and words[0].isupper())
                and _is_common_opener(words[0])
            ):
                words.pop(0)
        if words:
            span = text[starts[0] : toks[j - 1].end]
            name = _make_name(words, acronym, span)
            if name is not None:
                out.append(name)
        skip_to = j
    return out
