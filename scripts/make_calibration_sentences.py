"""Write credibility/embed/data/calibration.txt: the sentences the static int8 encoder is calibrated on.

Run from the repository root: ``.venv/bin/python scripts/make_calibration_sentences.py``. The output
is committed; this script only documents (and can remake) where it comes from: text shipped in the
repository (the sample articles and fact-checks, the repost, the sentence-splitting gold set) split
into sentences, plus runs of consecutive sentences joined into one line (up to whole articles, past
the model's 256 tokens), so every sentence length from "No." to a page of one line is covered.
Deterministic: no randomness, sorted output.
"""

from __future__ import annotations

import json
from pathlib import Path

from credibility.text.sentences import split_sentences

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "credibility" / "embed" / "data" / "calibration.txt"
#: Short replies and stock lines: the hardest for a quantized model (few tokens to average over).
SHORT = (
    "No.",
    "Yes.",
    "Not true.",
    "That's false.",
    "Fact check:",
    "Read more.",
    "READ ALSO",
    "Share this article",
    "Advertisement",
    "Click here for more on the six ratings.",
)


def _texts() -> list[list[str]]:
    """Each shipped text as its list of sentences."""
    groups: list[list[str]] = []
    for name in ("articles.jsonl", "factchecks.jsonl"):
        for line in (ROOT / "credibility" / "sample_data" / "verified" / name).read_text().splitlines():
            record = json.loads(line)
            head = [record[key] for key in ("title", "claim") if record.get(key)]
            groups.append(head + [span.text for span in split_sentences(record["text"])])
    repost = (ROOT / "credibility" / "sample_data" / "reposts" / "harbour-bridge-repost.txt").read_text()
    groups.append([span.text for span in split_sentences(repost)])
    gold = json.loads((ROOT / "tests" / "credibility" / "text" / "data" / "sentence_gold.json").read_text())
    groups.extend(list(case["sentences"]) for case in gold["cases"])
    return groups


def main() -> None:
    lines: set[str] = set(SHORT)
    groups = _texts()
    for sentences in groups:
        lines.update(" ".join(s.split()) for s in sentences)
        for size in (2, 3, 5, 8):  # runs of consecutive sentences: longer inputs
            for start in range(0, max(0, len(sentences) - size + 1), size):
                lines.add(" ".join(" ".join(sentences[start : start + size]).split()))
        lines.add(" ".join(" ".join(sentences).split()))
    # One page of one line, well past the model's 256 tokens.
    lines.add(" ".join(" ".join(s for group in groups[:6] for s in group).split()))
    kept = sorted(line for line in lines if line.strip())
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(kept) + "\n", encoding="utf-8")
    print(f"wrote {len(kept)} lines to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
