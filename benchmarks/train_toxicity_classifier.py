"""Train the toxicity classifier shipped in otel_llm/guardrails/models/toxicity.json.

Word (1-2)-gram TF-IDF into a logistic regression (``train_ngram``), trained on five public
offensive-language sets (``guardrails_data.TOXICITY_SOURCES``): Davidson et al.'s tweets (hate speech
or offensive against neither), ToxiGen's implicitly hateful and neutral statements about groups (hate
without swear words), surge-ai's toxic and non-toxic comments (its non-toxic side keeps friendly
swearing), Stormfront forum sentences (hate speech or not) and ConvAbuse's user turns to chatbots
(abusive or not), with instructions and task prompts as benign text. Profanity alone is not what it
flags: that is the ``profanity`` detector's category.

Cross-dataset validation holds out one whole data set at a time (both its classes); the threshold
with the best pooled F1 on those held-out scores is stored in the model file.

    .venv/bin/python benchmarks/train_toxicity_classifier.py     # under a minute; writes the model
"""

from __future__ import annotations

from pathlib import Path

import train_ngram
from guardrails_data import TOXICITY_SOURCES
from train_ngram import Config

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "src" / "otel_llm" / "guardrails" / "models" / "toxicity.json"
CONFIG = Config(word_range=(1, 2), C=10.0, max_terms=40_000)
TRAIN = TOXICITY_SOURCES


dataset_of = train_ngram.dataset_of
DATASETS = tuple(dict.fromkeys(dataset_of(s.name) for s in TRAIN))


def validate(config: Config = CONFIG) -> train_ngram.Validation:
    return train_ngram.validate_across_datasets(TRAIN, config)


def main() -> None:
    train_ngram.train_and_write(TRAIN, CONFIG, validate(), OUTPUT)


if __name__ == "__main__":
    main()
