"""Stereotypes about social groups, an output check: each sentence that names a group is scored by a
logistic regression on static token vectors (``token_model``), trained on statements about groups that
annotators judged biased or not.

Only sentences that name a group (``names_a_group``) are scored, so text about no group is never flagged.
The model tells a stereotype from a neutral statement about the same group only partly (see
docs/guardrails.md for its precision and recall on groups it never saw): it is opt-in, meant for ``warn``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import islice

from otel_llm.guardrails.detectors.base import Detector, register
from otel_llm.guardrails.results import Match
from otel_llm.guardrails.token_model import load_token_model


def _lexicon(text: str) -> frozenset[str]:
    return frozenset(text.split())


# words that name a group (or a member of one, or its faith) by themselves
GROUP_NOUNS = _lexicon(
    """
    women woman girls girl females wives mothers moms ladies sisters daughters grandmothers housewives men
    males boys husbands fathers brothers sons guys blacks whites asians latinos latinas hispanics arabs
    jews jew muslims christians catholics protestants mormons hindus buddhists sikhs atheists immigrants
    refugees migrants foreigners minorities natives negroes negro easterners mexicans chinese japanese
    koreans indians africans americans europeans russians germans french italians irish poles polish
    jamaicans nigerians somalis pakistanis iranians iraqis afghans syrians palestinians israelis filipinos
    vietnamese puerto ricans cubans haitians brazilians gypsies roma islam judaism christianity hinduism
    buddhism gay gays lesbian lesbians bisexual bisexuals homosexual homosexuals transgender transgenders
    transsexual transsexuals queer queers pansexual pansexuals homosexuality bisexuality transgenderism
    elderly seniors boomers millennials teenagers teens disabled autistic retarded cripples paraplegics
    homeless rednecks hillbillies peasants
    """
)
# words that name a group when they qualify a person noun ("black people", "old men"), or stand for one
# after a determiner ("the poor are", "a typical african."; not "the White House", "an old friend")
GROUP_ADJECTIVES = _lexicon(
    """
    black white asian latino latina hispanic arab jewish muslim islamic christian catholic mormon hindu
    buddhist sikh atheist immigrant foreign native indigenous mexican chinese japanese korean indian
    african american european russian german french italian irish polish jamaican nigerian somali pakistani
    iranian iraqi afghan syrian palestinian israeli filipino vietnamese cuban haitian brazilian middle
    eastern trans straight old young elderly disabled handicapped mentally autistic deaf blind fat obese
    poor rich working
    """
)
DETERMINERS = _lexicon("the a an every typical average")
# words after "the poor" that show it stands alone, for a group
GROUP_FOLLOWERS = _lexicon("are is were was have has who that and or get do will would should can all")
PERSON_NOUNS = _lexicon(
    """
    people person persons man men woman women guy guys girl girls boy boys kid kids child children folks
    families family community communities population populations individuals americans parents students
    workers drivers mothers fathers wives husbands immigrants employees couples neighbors neighbours
    """
)

MAX_SENTENCES = 256
"""Sentences naming a group scored per text at most: the first and last half of them."""

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_LEXICON = GROUP_NOUNS | GROUP_ADJECTIVES
_SENTENCE_END = re.compile(r"[.!?]+|(?=\n)")


def names_a_group(sentence: str) -> bool:
    """Whether ``sentence`` names a social group: a group noun, or a group adjective before a person noun
    or standing for a group after a determiner ("the poor are")."""
    words = [w.lower().removesuffix("'s") for w in _WORD.findall(sentence)]
    for i, word in enumerate(words):
        if word in GROUP_NOUNS:
            return True
        if word in GROUP_ADJECTIVES:
            after = words[i + 1] if i + 1 < len(words) else ""
            if after in PERSON_NOUNS:
                return True
            if i > 0 and words[i - 1] in DETERMINERS and (not after or after in GROUP_FOLLOWERS):
                return True
    return False


def _sentences_naming_a_group(text: str) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of each sentence that names a group, in order: a sentence runs to its first
    ``.!?`` or newline, with the punctuation that follows. Only sentences with a lexicon word are looked
    at, and each character is scanned a bounded number of times, however the text is built."""
    previous_end = 0
    for word in _WORD.finditer(text):
        lowered = word.group().lower().removesuffix("'s")
        if word.start() < previous_end or lowered not in _LEXICON:
            continue
        start = max(max(text.rfind(mark, previous_end, word.start()) for mark in ".!?\n") + 1, previous_end)
        close = _SENTENCE_END.search(text, word.end())
        previous_end = close.end() if close else len(text)
        if lowered in GROUP_NOUNS or names_a_group(text[start:previous_end]):
            yield start, previous_end


def group_sentences(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of the sentences of ``text`` that name a group; past ``MAX_SENTENCES``, the first
    and last half of them."""
    half = MAX_SENTENCES // 2
    found = _sentences_naming_a_group(text)
    head = list(islice(found, MAX_SENTENCES))
    if len(head) < MAX_SENTENCES:
        return head
    tail: list[tuple[int, int]] = []
    for sentence in found:  # the rest, keeping the last ``half``
        tail.append(sentence)
        if len(tail) > 2 * half:
            del tail[:half]
    return head[:half] + (head[half:] + tail)[-half:]


@register
class StereotypeDetector(Detector):
    """Sentences that state a stereotype about a social group (gender, race, religion, nationality,
    sexual orientation, disability, age, class); each flagged sentence is one match with its score."""

    name = "stereotype"
    category = "STEREOTYPE"

    def __init__(self, threshold: float | None = None, model: str = "stereotype"):
        self.model = load_token_model(model)
        self.threshold = self.model.threshold if threshold is None else float(threshold)

    def score(self, sentence: str) -> float:
        """Probability that ``sentence`` states a stereotype, if it names a group (0 otherwise)."""
        return self.model.probability(sentence) if names_a_group(sentence) else 0.0

    def detect(self, text: str) -> list[Match]:
        found = []
        for start, end in group_sentences(text):
            probability = self.model.probability(text[start:end])
            if probability >= self.threshold:
                found.append(Match(start, end, self.category, probability))
        return found

    @property
    def max_span(self) -> int:
        return self.model.max_chars  # the part of a sentence that is scored
