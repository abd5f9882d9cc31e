"""Write the query encoder's reference vectors: tests/data/minilm-reference.{json,npy}.

The vectors come from sentence-transformers running the bundled all-MiniLM-L6-v2 (torch), the
implementation kb's numpy query encoder (kb/search/minilm.py) must agree with. The fast test
loop compares the numpy encoder against these files without importing torch
(tests/test_embed.py). Run again after changing the bundled model:

    HF_HUB_OFFLINE=1 .venv/bin/python scripts/reference_vectors.py
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from kb.course.config import DEFAULT_MODEL  # noqa: E402
from kb.search.embed import SentenceTransformerEmbedder  # noqa: E402

# Queries of the kinds people type: short and long, punctuation, digits, accents, a word the
# vocabulary splits into pieces, and one longer than the model's 256 word pieces.
QUERIES = [
    "reward models from human preferences",
    "RLHF",
    "Direct Preference Optimization: Your Language Model is Secretly a Reward Model",
    "how do transformers attend to tokens 12,000 positions apart?",
    "Schrödinger's café: naïve résumé of Übersetzung",
    "clipped surrogate objective keeps each policy update small",
    "antidisestablishmentarianism hyperparameterization",
    " ".join(["policy gradient variance reduction with learned baselines"] * 40),
]


def main() -> None:
    embedder = SentenceTransformerEmbedder(DEFAULT_MODEL)
    vectors = np.ascontiguousarray(embedder.model.encode(
        QUERIES, convert_to_numpy=True, normalize_embeddings=True, show_progress_bar=False),
        dtype=np.float32)
    out = ROOT / "tests" / "data"
    np.save(out / "minilm-reference.npy", vectors)
    (out / "minilm-reference.json").write_text(json.dumps(
        {"model": DEFAULT_MODEL, "made_with": "sentence-transformers", "queries": QUERIES},
        indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {len(QUERIES)} reference vectors of {DEFAULT_MODEL} to {out}")


if __name__ == "__main__":
    main()
