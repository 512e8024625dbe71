"""A tiny synthetic PolitiFact-like corpus (no shared data needed), and files on disk for the runner."""

from __future__ import annotations

import gzip
import hashlib
import json
import random
import re
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest

from benchmarks.data import PolitiFactArticle
from benchmarks.lexicon import Lexicon, build_lexicon
from benchmarks.reposts import Corpus, GeneratorConfig

PEOPLE = [
    "Maria Lopez",
    "John Carter",
    "Maria Chen",
    "John Baker",
    "Alice Brown",
    "Alice Green",
    "Peter Stone",
]
STATES = ["Ohio", "Texas", "Florida", "Oregon", "Nevada"]
ORGS = ["Department of Labor", "Census Bureau", "Tax Policy Center", "Urban Institute"]
TOPICS = [
    "wages",
    "schools",
    "bridges",
    "vaccines",
    "pensions",
    "tariffs",
    "housing",
    "prisons",
    "farms",
    "broadband",
    "water",
    "tuition",
]
RATINGS = ["false", "pants-fire", "true", "half-true", "mostly-true", "barely-true"]
BOILERPLATE = "Click here for more on the six PolitiFact ratings and how we select facts to check."
MONTHS = ["January", "March", "June", "October"]


def _article(i: int) -> PolitiFactArticle:
    rng = random.Random(i)
    person = PEOPLE[i % len(PEOPLE)]
    surname = person.split()[1]
    state = STATES[i % len(STATES)]
    org = ORGS[i % len(ORGS)]
    topic = TOPICS[i % len(TOPICS)]
    year = 2000 + i % 20
    jobs = 1000 + 137 * i
    lines = [
        f"{person} said {state} added {jobs:,} jobs tied to {topic} in {year}.",
        f"The {org} reported that spending on {topic} rose {3 + i % 7} percent in {MONTHS[i % 4]} {year}.",
        f"{surname} has not released a detailed plan for {topic} in case {i}.",
        f"According to the {org}, the {topic} program number {i} cost ${20 + i} million over {2 + i % 5} years.",
        f"Critics said the {topic} bill {i} would not have passed without votes from {state} lawmakers.",
        f"On {MONTHS[(i + 1) % 4]} {1 + i % 27}, {year}, the governor signed measure {i} on {topic} into law.",
        f"Experts we reached about {topic} study {i} were divided on whether the figure was fair.",
        BOILERPLATE,
        "Featured Fact-check",
        "",
        "Some Person",
        "stated on January 1, 2021 in a tweet",
        "A sidebar claim that should never reach the index.",
        "By Some Writer • January 2, 2021",
        f"Our ruling on {topic} claim {i} rests on the {org} data and the {year} budget.",
        f"The claim about {topic} item {i} leaves out important context that {surname} did not mention.",
    ]
    body = lines[:7]
    rng.shuffle(body)
    lines[:7] = body
    return PolitiFactArticle(
        id=f"vclaim-pol-{i:05d}",
        url=f"https://example.org/{i}",
        title=f"Fact-check {i}: {person} on {topic} in {state}",
        speaker=person,
        claim=f"Says {state} spent ${100 + i} million on {topic} program {i} last year.",
        rating=RATINGS[i % len(RATINGS)],
        stated=f"stated on {MONTHS[i % 4]} {1 + i % 27}, {year} in a speech:",
        text="\n".join(lines),
    )


@pytest.fixture(scope="session")
def synth_articles() -> list[PolitiFactArticle]:
    return [_article(i) for i in range(48)]


@pytest.fixture(scope="session")
def synth_lexicon(synth_articles: list[PolitiFactArticle]) -> Lexicon:
    return build_lexicon(
        [a.speaker for a in synth_articles], [a.text for a in synth_articles], min_articles=2
    )


@pytest.fixture
def synth_corpus(synth_articles: list[PolitiFactArticle]) -> Corpus:
    return Corpus(synth_articles, min_articles=5)


@pytest.fixture
def small_config() -> GeneratorConfig:
    return GeneratorConfig(
        seed=7,
        n_indexed=20,
        n_reposts=12,
        n_unseen_reposts=4,
        max_sentences=20,
        min_sentences=3,
        light_edit_rate=0.3,
        altered_rate=0.3,
        boilerplate_min_articles=5,
        lexicon_texts=100,
    )


def write_data_dir(root: Path, articles: list[PolitiFactArticle]) -> Path:
    """The shared-data layout (politifact, CheckThat! 2A and 2B), tiny, for runner tests."""
    (root / "politifact").mkdir(parents=True)
    with gzip.open(root / "politifact" / "articles.jsonl.gz", "wt", encoding="utf-8") as handle:
        for a in articles:
            handle.write(json.dumps(asdict(a)) + "\n")
    a2 = root / "checkthat2021-2a"
    a2.mkdir()
    with gzip.open(a2 / "vclaims.jsonl.gz", "wt", encoding="utf-8") as handle:
        for i, topic in enumerate(TOPICS):
            handle.write(
                json.dumps(
                    {
                        "vclaim_id": f"vclaim-sno-{topic}",
                        "vclaim": f"A viral post says {topic} were banned in {STATES[i % 5]}.",
                        "title": f"Were {topic} banned?",
                        "subtitle": "",
                        "author": "X",
                        "date": "1 May 2020",
                    }
                )
                + "\n"
            )
    (a2 / "tweets-train-dev.tsv").write_text(
        "".join(f"tweet-{i}\tBREAKING: {t} banned in {STATES[i % 5]}!!\n" for i, t in enumerate(TOPICS)),
        encoding="utf-8",
    )
    (a2 / "qrels-train.tsv").write_text(
        "".join(f"tweet-{i}\t0\tvclaim-sno-{t}\t1\n" for i, t in enumerate(TOPICS[:6])), encoding="utf-8"
    )
    (a2 / "qrels-dev.tsv").write_text(
        "".join(f"tweet-{i}\t0\tvclaim-sno-{t}\t1\n" for i, t in enumerate(TOPICS) if i >= 6),
        encoding="utf-8",
    )
    b2 = root / "checkthat2021-2b"
    (b2 / "transcripts").mkdir(parents=True)
    (b2 / "transcripts" / "20200101_debate.tsv").write_text(
        "".join(f"{n:04d}\tSpeaker\tLine {n} about {TOPICS[n % 12]}.\n" for n in range(1, 30)),
        encoding="utf-8",
    )
    queries = []
    qrels = []
    for n in range(1, 13):
        article = articles[n]
        topic = TOPICS[n % len(TOPICS)]
        queries.append(
            f"20200101_debate_{n:04d}\tWe spent so much on {topic} program {n} in {STATES[n % 5]}.\n"
        )
        qrels.append(f"20200101_debate_{n:04d}\t0\t{article.id}\t1\n")
    (b2 / "iclaims.queries").write_text("".join(queries), encoding="utf-8")
    (b2 / "train.tsv").write_text("".join(qrels[:6]), encoding="utf-8")
    (b2 / "dev.tsv").write_text("".join(qrels[6:]), encoding="utf-8")
    return root


class WordHashEncoder:
    """Bag of hashed words: the same sentence gives the same vector, shared words bring vectors close."""

    name = "word-hash"

    def __init__(self) -> None:
        self.encoded = 0

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.encoded += len(texts)
        out = np.zeros((len(texts), 64), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                out[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % 64] += 1.0
            out[row] /= np.linalg.norm(out[row]) or 1.0
        return out


@pytest.fixture
def word_hash_encoder() -> type[WordHashEncoder]:
    return WordHashEncoder


@pytest.fixture
def synth_data_dir(tmp_path: Path, synth_articles: list[PolitiFactArticle]) -> Path:
    return write_data_dir(tmp_path / "data", synth_articles)
