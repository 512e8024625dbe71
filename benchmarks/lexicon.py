"""Names, places and organisations found in the PolitiFact corpus with simple rules, and the
edits that swap them, change numbers and dates, or flip a negation.

The generator uses these to make ``altered`` sentences: each function returns the new
sentence and a short description of the change, or ``None`` when the sentence offers nothing
of that kind. Nothing here is shared with the detector.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

# --------------------------------------------------------------------------- gazetteers


def _words(text: str) -> list[str]:
    """Long word lists read better as one string."""
    return text.split()


US_STATES = [
    *_words(
        "Alabama Alaska Arizona Arkansas California Colorado Connecticut Delaware Florida Georgia Hawaii "
        "Idaho Illinois Indiana Iowa Kansas Kentucky Louisiana Maine Maryland Massachusetts Michigan "
        "Minnesota Mississippi Missouri Montana Nebraska Nevada Ohio Oklahoma Oregon Pennsylvania "
        "Tennessee Texas Utah Vermont Virginia Wisconsin Wyoming"
    ),
    "New Hampshire",
    "New Jersey",
    "New Mexico",
    "New York",
    "North Carolina",
    "North Dakota",
    "Rhode Island",
    "South Carolina",
    "South Dakota",
    "West Virginia",
]
# "Washington" is left out on purpose: state, city and president, a swap would be ambiguous.

COUNTRIES = [
    *_words(
        "Mexico Canada China Russia Iran Iraq Israel Syria Afghanistan Pakistan India Japan Germany France "
        "Britain Italy Spain Cuba Venezuela Brazil Ukraine Egypt Libya Turkey Greece Sweden Norway Denmark "
        "Finland Australia Nigeria Kenya Honduras Guatemala Colombia Argentina Chile Vietnam Philippines "
        "Indonesia Poland Ireland Switzerland Netherlands Belgium Yemen Jordan Lebanon Qatar Somalia Haiti "
        "Portugal Austria Hungary Nicaragua Peru Ecuador Ethiopia Sudan Taiwan Singapore"
    ),
    *["North Korea", "South Korea", "Saudi Arabia", "El Salvador", "United Kingdom", "New Zealand"],
]

MONTHS = _words("January February March April May June July August September October November December")
MONTHS_AP = ["Jan.", "Feb.", "March", "April", "May", "June", "July", "Aug.", "Sept.", "Oct.", "Nov.", "Dec."]
WEEKDAYS = _words("Monday Tuesday Wednesday Thursday Friday Saturday Sunday")

# Speaker names that are not people (pages, groups, formats) contain one of these words.
_NOT_A_PERSON = frozenset(
    _words(
        """
    posts post image images video videos bloggers blog party committee campaign news facebook twitter
    instagram tiktok youtube email democrats republicans group club pac action america american
    americans fund council association foundation network institute center viral various multiple
    sources state states department house senate congress county city union coalition alliance people
    voters chamber commerce office media tweets tweet website organization project majority forward
    united national republican democratic for of the and inc llc corp company freedom women friends
    citizens taxpayers team school university college board radio tv show times journal daily
    magazine press reddit meme memes ad ads super growth first priorities governors democrat gop
    patriots leaders leadership policy research watch report reports letter mailer message messages
    text chain stories story web sites site page pages users user account accounts photo photos
    headline article articles petition survey poll parenthood save
    """
    )
)
_NAME_TOKEN = re.compile(r"^(?:[A-Z][a-zA-Z'’-]*\.?|[A-Z]\.|de|van|von|der|la|del|da|di|le)$")
_SUFFIXES = frozenset({"Jr.", "Sr.", "II", "III", "IV", "Jr", "Sr"})


def is_person_name(name: str) -> bool:
    tokens = name.split()
    if not 2 <= len(tokens) <= 4:
        return False
    if any(t.lower().strip(".,") in _NOT_A_PERSON for t in tokens):
        return False
    if not all(_NAME_TOKEN.match(t) for t in tokens):
        return False
    return len(surname_of(name)) >= 3


def surname_of(name: str) -> str:
    tokens = [t for t in name.split() if t not in _SUFFIXES]
    return tokens[-1].rstrip(".,") if tokens else ""


# Capitalised runs ("Schuyler VanValkenburg", "New York City") with token offsets.
_CAP_TOKEN = re.compile(r"[A-Z][\w'’.-]*")
_POSSESSIVE = re.compile(r"(?:'s|’s|'|’)$")
_INITIAL = re.compile(r"[A-Z]\.")

_ORG_HEADS = (
    "Department|Bureau|Committee|Commission|Council|Administration|Agency|Association|Institute|"
    "Foundation|University|Center|Office|Services|Service|Board|Party|Corporation|Coalition|Network|"
    "Authority|Organization|Federation|Court|Alliance|Academy|Society|Union"
)
_ORG_WORD = r"[A-Z][A-Za-z.&'’-]+"
_ORG = re.compile(
    rf"\b((?:{_ORG_WORD} ){{0,4}}(?:{_ORG_HEADS})"
    rf"(?: (?:of|for|on)(?: the)? {_ORG_WORD}(?: (?:and |& )?{_ORG_WORD}){{0,4}})?)\b"
)
_ACRONYM = re.compile(r"\bthe ([A-Z]{3,5})\b")
_ACRONYM_STOP = frozenset(
    {"COVID", "AIDS", "HIV", "SARS", "MERS", "USA", "ACA", "GDP", "CEO", "TV", "NEW", "THE"}
)
_ORG_STOP_FIRST = frozenset(
    {"The", "A", "An", "In", "On", "At", "By", "For", "And", "But", "Its", "His", "Her"}
)


def cap_runs(text: str) -> list[list[tuple[int, int, str]]]:
    """Runs of adjacent capitalised tokens as (start, end, token-without-possessive)."""
    runs: list[list[tuple[int, int, str]]] = []
    current: list[tuple[int, int, str]] = []
    last_end = -2
    for match in _CAP_TOKEN.finditer(text):
        token = match.group(0)
        # a middle initial stays in the run ("John F. Kennedy"); other trailing dots close it
        clean = token if _INITIAL.fullmatch(token) else _POSSESSIVE.sub("", token).rstrip(".,")
        end = match.start() + len(clean)
        gap = text[last_end : match.start()]
        if current and gap == " ":
            current.append((match.start(), end, clean))
        else:
            if current:
                runs.append(current)
            current = [(match.start(), end, clean)]
        last_end = match.end()
        # a possessive or trailing punctuation closes the run: "Tran’s bill", "Ohio, Texas"
        if clean != token:
            runs.append(current)
            current = []
            last_end = -2
    if current:
        runs.append(current)
    return runs


def _phrases(text: str, max_tokens: int) -> Iterable[tuple[int, int, str]]:
    """Every sub-run of capitalised tokens, longest first within each run."""
    for run in cap_runs(text):
        for size in range(min(max_tokens, len(run)), 0, -1):
            for i in range(len(run) - size + 1):
                start, end = run[i][0], run[i + size - 1][1]
                yield start, end, " ".join(t[2] for t in run[i : i + size])


@dataclass
class Lexicon:
    persons: list[str] = field(default_factory=list)
    places: dict[str, list[str]] = field(default_factory=dict)  # kind ("state", ...) -> names
    orgs: list[str] = field(default_factory=list)
    acronyms: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._persons = set(self.persons)
        self._surnames: dict[str, list[str]] = {}
        for name in self.persons:
            self._surnames.setdefault(surname_of(name), []).append(name)
        self._place_kind = {name: kind for kind, names in self.places.items() for name in names}
        self._orgs = set(self.orgs)
        self._acronyms = set(self.acronyms)

    # ---- finding mentions

    def persons_in(self, text: str) -> list[tuple[int, int, str]]:
        """Full-name mentions of known people (longest match wins)."""
        found: list[tuple[int, int, str]] = []
        taken: list[tuple[int, int]] = []
        for start, end, phrase in _phrases(text, 4):
            if phrase in self._persons and not any(s < end and start < e for s, e in taken):
                found.append((start, end, phrase))
                taken.append((start, end))
        return sorted(found)

    def places_in(self, text: str) -> list[tuple[int, int, str, str]]:
        found: list[tuple[int, int, str, str]] = []
        taken: list[tuple[int, int]] = []
        for start, end, phrase in _phrases(text, 3):
            kind = self._place_kind.get(phrase)
            if kind and not any(s < end and start < e for s, e in taken):
                found.append((start, end, phrase, kind))
                taken.append((start, end))
        return sorted(found)

    def orgs_in(self, text: str) -> list[tuple[int, int, str, str]]:
        found = []
        for match in _ORG.finditer(text):
            name = _strip_org(match.group(1))
            if name in self._orgs:
                start = match.start(1) + match.group(1).index(name)
                found.append((start, start + len(name), name, "org"))
        for match in re.finditer(r"\b[A-Z]{3,5}\b", text):
            if match.group(0) in self._acronyms:
                found.append((match.start(), match.end(), match.group(0), "acronym"))
        return sorted(found)


_CITY_STOP_FIRST = _ORG_STOP_FIRST | {"Of", "From", "To", "County", "Near", "Outside", "Downtown"}


def _strip_leading(phrase: str) -> str:
    """Drop sentence-initial words a capitalised-run rule picks up ("In Milwaukee" -> "Milwaukee")."""
    tokens = phrase.split()
    while tokens and tokens[0] in _CITY_STOP_FIRST:
        tokens = tokens[1:]
    return " ".join(tokens)


def _strip_org(phrase: str) -> str:
    tokens = phrase.split()
    while tokens and tokens[0] in _ORG_STOP_FIRST:
        tokens = tokens[1:]
    return " ".join(tokens)


def build_lexicon(
    speakers: Iterable[str], texts: Iterable[str], min_articles: int = 3, max_orgs: int = 3000
) -> Lexicon:
    """Person names from the ``speaker`` field; places and organisations from the article texts.

    Rules: a speaker is a person when the name looks like one and its first name is shared by
    another speaker (drops "Activist Mommy", "Advancing Wisconsin"); cities are capitalised
    words written "in City, State"; organisations are capitalised phrases headed by a word
    like Department or Institute; states and countries come from a gazetteer filtered to those
    the corpus mentions. Everything must occur in ``min_articles`` texts.
    """
    gazetteer = {name: "state" for name in US_STATES} | {name: "country" for name in COUNTRIES}
    candidates = {s.strip() for s in speakers if is_person_name(s.strip())}
    first_names = Counter(name.split()[0] for name in candidates)
    persons = sorted(
        name
        for name in candidates
        if first_names[name.split()[0]] >= 2 and not any(t in gazetteer for t in name.split())
    )
    state_re = "|".join(re.escape(s) for s in sorted(US_STATES, key=len, reverse=True))
    city_re = re.compile(
        rf"\b(?:in|from|near|outside|of|at) ([A-Z][a-z]+(?: [A-Z][a-z]+){{0,2}}), (?:{state_re})\b"
    )
    not_cities = set(MONTHS) | set(WEEKDAYS) | set(persons) | set(_ORG_HEADS.split("|"))
    gaz_counts: Counter[str] = Counter()
    city_counts: Counter[str] = Counter()
    org_counts: Counter[str] = Counter()
    acronym_counts: Counter[str] = Counter()
    surnames = {surname_of(p) for p in persons}
    for text in texts:
        seen_gaz = {phrase for _, _, phrase in _phrases(text, 3) if phrase in gazetteer}
        gaz_counts.update(seen_gaz)
        city_counts.update({_strip_leading(m.group(1)) for m in city_re.finditer(text)} - {""})
        orgs = {_strip_org(m.group(1)) for m in _ORG.finditer(text)}
        org_counts.update(o for o in orgs if len(o.split()) >= 2)
        acronym_counts.update({m.group(1) for m in _ACRONYM.finditer(text)})
    places: dict[str, list[str]] = {"state": [], "country": [], "city": []}
    for name, count in sorted(gaz_counts.items()):
        if count >= min_articles:
            places[gazetteer[name]].append(name)
    for name, count in sorted(city_counts.items()):
        words = set(name.split())
        if (
            count >= max(2, min_articles - 1)
            and name not in gazetteer
            and name not in surnames
            and not words & not_cities
        ):
            places["city"].append(name)
    org_list = sorted(
        o
        for o, c in org_counts.most_common(max_orgs)
        if c >= min_articles and not _looks_personal(o, surnames)
    )
    acronyms = sorted(
        a for a, c in acronym_counts.items() if c >= 2 * min_articles and a not in _ACRONYM_STOP
    )
    return Lexicon(persons=persons, places=places, orgs=org_list, acronyms=acronyms)


def _looks_personal(org: str, surnames: set[str]) -> bool:
    # "Clinton Foundation" is an organisation, but "Obama Administration" swaps oddly; keep it simple
    return org.split()[0] in surnames and org.split()[-1] == "Administration"


# --------------------------------------------------------------------------- alterations


@dataclass(frozen=True, slots=True)
class Alteration:
    text: str
    kind: str
    detail: str  # "old -> new"
    old: str
    new: str


def _replace(text: str, start: int, end: int, new: str) -> str:
    return text[:start] + new + text[end:]


def _pick_absent(
    rng: random.Random, pool: list[str], article: str, avoid: str, tries: int = 50
) -> str | None:
    """A replacement from the pool that the article does not mention, so the swap is a real conflict."""
    if not pool:
        return None
    for _ in range(tries):
        candidate = pool[rng.randrange(len(pool))]
        if candidate != avoid and candidate not in article:
            return candidate
    return None


def alter_person(sentence: str, article: str, lexicon: Lexicon, rng: random.Random) -> Alteration | None:
    """Swap a person for another speaker from the corpus who is not in the article."""
    article_people = {name for _, _, name in lexicon.persons_in(article)}
    mentions: list[tuple[int, int, str, str]] = [
        (s, e, n, "full") for s, e, n in lexicon.persons_in(sentence)
    ]
    if not mentions:
        # surname only ("Vandergriff said"), for people the article names in full
        by_surname = {surname_of(p): p for p in article_people}
        for run in cap_runs(sentence):
            for start, end, token in run:
                if token in by_surname:
                    mentions.append((start, end, by_surname[token], "surname"))
    if not mentions:
        return None
    start, end, person, form = mentions[rng.randrange(len(mentions))]
    old_surname = surname_of(person)
    for _ in range(50):
        other = _pick_absent(rng, lexicon.persons, article, person)
        if other is None:
            return None
        if surname_of(other) != old_surname and surname_of(other) not in article:
            break
    else:
        return None
    new_surname = surname_of(other)
    # every mention of the same person in the sentence changes, so the sentence stays coherent
    text = sentence.replace(person, other)
    text = re.sub(rf"\b{re.escape(old_surname)}\b", new_surname, text)
    old, new = (person, other) if form == "full" else (old_surname, new_surname)
    return Alteration(text, "person", f"{old} -> {new}", old, new)


def alter_place(sentence: str, article: str, lexicon: Lexicon, rng: random.Random) -> Alteration | None:
    mentions = lexicon.places_in(sentence)
    if not mentions:
        return None
    start, end, name, kind = mentions[rng.randrange(len(mentions))]
    other = _pick_absent(rng, lexicon.places.get(kind, []), article, name)
    if other is None:
        return None
    return Alteration(_replace(sentence, start, end, other), "place", f"{name} -> {other}", name, other)


def alter_org(sentence: str, article: str, lexicon: Lexicon, rng: random.Random) -> Alteration | None:
    mentions = lexicon.orgs_in(sentence)
    if not mentions:
        return None
    start, end, name, kind = mentions[rng.randrange(len(mentions))]
    pool = lexicon.orgs if kind == "org" else lexicon.acronyms
    other = _pick_absent(rng, pool, article, name)
    if other is None:
        return None
    return Alteration(
        _replace(sentence, start, end, other), "organisation", f"{name} -> {other}", name, other
    )


_YEAR = re.compile(r"(?<![\w$.,/-])((?:19|20)\d\d)(?![\w/-]|[.,]\d)")
_NUMBER = re.compile(r"(?<![\w.,/-])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?![\w/]|[.,]\d|-\w)")
_NUMBER_WORDS = _words(
    "two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty sixty"
)
# not "two-thirds" or "three-year": a changed fraction or compound reads as nonsense
_NUMBER_WORD = re.compile(r"\b(" + "|".join(_NUMBER_WORDS) + r")\b(?!-)", re.IGNORECASE)


def _same_case(template: str, word: str) -> str:
    return word.capitalize() if template[:1].isupper() else word


def alter_number(sentence: str, article: str, lexicon: Lexicon, rng: random.Random) -> Alteration | None:
    """Change the leading digit of a figure (keeping its format) or a spelled-out number."""
    options: list[tuple[int, int, str]] = []
    for match in _NUMBER.finditer(sentence):
        digits = match.group(1)
        if _YEAR.fullmatch(digits) or _is_day_of_month(sentence, match.start()):
            continue  # years and days belong to the "date" kind
        options.append((match.start(1), match.end(1), digits))
    for match in _NUMBER_WORD.finditer(sentence):
        options.append((match.start(), match.end(), match.group(0)))
    if not options:
        return None
    start, end, old = options[rng.randrange(len(options))]
    if old[0].isdigit():
        first = int(old[0])
        choices = [d for d in range(1 if len(old.replace(",", "")) > 1 else 0, 10) if d != first]
        new = str(rng.choice(choices)) + old[1:]
    else:
        lowered = old.lower()
        new = _same_case(old, rng.choice([w for w in _NUMBER_WORDS if w != lowered]))
    return Alteration(_replace(sentence, start, end, new), "number", f"{old} -> {new}", old, new)


_MONTH = re.compile(
    r"\b(January|February|March|April|June|July|August|September|October|November|December"
    r"|Jan\.|Feb\.|Aug\.|Sept\.|Oct\.|Nov\.|Dec\.|May(?= \d))(?:\s+(\d{1,2})\b(?!,\d))?"
)
_WEEKDAY = re.compile(r"\b(" + "|".join(WEEKDAYS) + r")\b")


def _is_day_of_month(sentence: str, position: int) -> bool:
    return any(m.group(2) and m.start(2) == position for m in _MONTH.finditer(sentence))


def alter_date(sentence: str, article: str, lexicon: Lexicon, rng: random.Random) -> Alteration | None:
    """Move a year, swap a month or weekday, or change the day of a month."""
    options: list[tuple[int, int, str, Callable[[str], str]]] = []

    def shift_year(old: str) -> str:
        return str(int(old) + rng.choice([-5, -4, -3, -2, -1, 1, 2, 3, 4, 5]))

    def swap_month(old: str) -> str:
        pool = (
            MONTHS_AP if old in MONTHS_AP and old not in ("March", "April", "May", "June", "July") else MONTHS
        )
        return rng.choice([m for m in pool if m != old])

    def change_day(old: str) -> str:
        return str(rng.choice([d for d in range(1, 29) if d != int(old)]))

    def swap_weekday(old: str) -> str:
        return rng.choice([d for d in WEEKDAYS if d != old])

    for match in _YEAR.finditer(sentence):
        options.append((match.start(1), match.end(1), match.group(1), shift_year))
    for match in _MONTH.finditer(sentence):
        options.append((match.start(1), match.end(1), match.group(1), swap_month))
        if match.group(2):
            options.append((match.start(2), match.end(2), match.group(2), change_day))
    for match in _WEEKDAY.finditer(sentence):
        options.append((match.start(1), match.end(1), match.group(1), swap_weekday))
    if not options:
        return None
    start, end, old, change = options[rng.randrange(len(options))]
    new = change(old)
    return Alteration(_replace(sentence, start, end, new), "date", f"{old} -> {new}", old, new)


_AUX = r"is|are|was|were|do|does|did|has|have|had|will|would|can|could|should|may|might|must"
_NOT_AFTER_AUX = re.compile(rf"\b({_AUX})\s+not\b", re.IGNORECASE)
_CONTRACTED = re.compile(
    r"\b(is|are|was|were|do|does|did|has|have|had|would|could|should|wo|ca)n[’']t\b", re.IGNORECASE
)
_NEVER = re.compile(r"\bnever\s+", re.IGNORECASE)
_NO_LONGER = re.compile(r"\bno longer\s+", re.IGNORECASE)
# An auxiliary that starts its verb group ("would have", not "have" in it) and is followed by a
# lower-case word; "has/have/had" only before a participle, so "have value" is left alone.
_AUX_PLAIN = re.compile(rf"\b({_AUX})\b(?= (?!not\b|never\b|no longer\b)[a-z])")
_AUX_BEFORE = re.compile(rf"\b(?:{_AUX}) $")
_PARTICIPLE = re.compile(r" (?:been|\w+ed|\w+en|made|said|had|done|gone|got|seen|won|lost|paid|told)\b")
_DO_OBJECTS = frozenset(_words("the a an it this that so what which his her their its our my your more"))


def negation_count(text: str) -> int:
    lowered = text.lower()
    return (
        len(re.findall(r"\bnot\b", lowered))
        + len(re.findall(r"\bnever\b", lowered))
        + len(re.findall(r"\bno longer\b", lowered))
        + len(re.findall(r"n[’']t\b", lowered))
        + len(re.findall(r"\bcannot\b", lowered))
    )


def alter_negation(sentence: str, article: str, lexicon: Lexicon, rng: random.Random) -> Alteration | None:
    """Remove an existing negation, or add "not", "never" or "no longer" after an auxiliary."""
    removals: list[tuple[int, int, str, str]] = []
    for match in _NOT_AFTER_AUX.finditer(sentence):
        removals.append((match.start(), match.end(), match.group(0), match.group(1)))
    for match in _CONTRACTED.finditer(sentence):
        aux = {"wo": "will", "ca": "can"}.get(match.group(1).lower(), match.group(1))
        removals.append((match.start(), match.end(), match.group(0), _same_case(match.group(1), aux)))
    for match in re.finditer(r"\bcannot\b", sentence):
        removals.append((match.start(), match.end(), "cannot", "can"))
    if not removals:
        # a "not" away from its auxiliary ("are also not"); "not only ... but" is left alone
        for match in re.finditer(r"\bnot\s+(?!only\b)", sentence):
            removals.append((match.start(), match.end(), "not", ""))
    for pattern in (_NEVER, _NO_LONGER):
        for match in pattern.finditer(sentence):
            removals.append((match.start(), match.end(), match.group(0).strip(), ""))
    if removals:
        start, end, old, new = removals[rng.randrange(len(removals))]
        text = _replace(sentence, start, end, new)
        if not new and start == 0:
            text = text[:1].upper() + text[1:]
        return Alteration(text, "negation", f"removed '{old}'", old, new)
    additions = [m for m in _AUX_PLAIN.finditer(sentence) if _can_negate(sentence, m)]
    if not additions:
        return None
    match = additions[rng.randrange(len(additions))]
    aux = match.group(1)
    word = "not"
    if aux.lower() in ("has", "have", "had"):
        word = rng.choice(["not", "never"])
    elif aux.lower() in ("is", "are"):
        word = rng.choice(["not", "no longer"])
    text = _replace(sentence, match.end(), match.end(), f" {word}")
    return Alteration(text, "negation", f"added '{word}' after '{aux}'", aux, f"{aux} {word}")


def _can_negate(sentence: str, match: re.Match[str]) -> bool:
    if _AUX_BEFORE.search(sentence, 0, match.start()):
        return False
    aux = match.group(1).lower()
    following = sentence[match.end() :]
    if negation_count(" ".join(following.split()[:3])):
        return False  # "are also not": adding a second negation garbles rather than flips
    if aux in ("has", "have", "had"):
        return bool(_PARTICIPLE.match(following))
    if aux in ("do", "does", "did"):
        next_word = following.split(maxsplit=1)[0] if following.strip() else ""
        return next_word not in _DO_OBJECTS
    return True


ALTERATIONS: dict[str, Callable[[str, str, Lexicon, random.Random], Alteration | None]] = {
    "number": alter_number,
    "date": alter_date,
    "person": alter_person,
    "place": alter_place,
    "organisation": alter_org,
    "negation": alter_negation,
}
