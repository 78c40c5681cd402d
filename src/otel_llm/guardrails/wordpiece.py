"""BERT's uncased WordPiece tokenisation in pure Python, as ``tokenizers``' ``BertNormalizer`` (clean text,
Chinese characters apart, lowercase, accents stripped), ``BertPreTokenizer`` (whitespace and punctuation)
and ``WordPiece`` (greedy longest match, ``##`` continuations) do it.

Only token ids are needed (no offsets, special tokens or padding), so the ``tokenizers`` package and its
``huggingface_hub`` dependency are not worth their weight here.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

MAX_WORD_CHARS = 100  # longer words are one unknown token


def _is_control(char: str) -> bool:
    return char not in "\t\n\r" and unicodedata.category(char).startswith("C")


def _is_chinese(code: int) -> bool:
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0x20000 <= code <= 0x2A6DF
        or 0x2A700 <= code <= 0x2B73F
        or 0x2B740 <= code <= 0x2B81F
        or 0x2B820 <= code <= 0x2CEAF
        or 0xF900 <= code <= 0xFAFF
        or 0x2F800 <= code <= 0x2FA1F
    )


def _is_punctuation(char: str) -> bool:
    code = ord(char)
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(char).startswith("P")


def normalize(text: str) -> str:
    """Control characters dropped, whitespace made spaces, Chinese characters spaced apart, lowercased and
    without accents."""
    chars = []
    for char in text:
        code = ord(char)
        if code == 0 or code == 0xFFFD or _is_control(char):
            continue
        if char.isspace():
            chars.append(" ")
        elif _is_chinese(code):
            chars.append(f" {char} ")
        else:
            chars.append(char)
    decomposed = unicodedata.normalize("NFD", "".join(chars).lower())
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


def words(text: str) -> list[str]:
    """The pre-tokens of normalised ``text``: split on whitespace, each punctuation character alone."""
    found: list[str] = []
    for chunk in text.split():
        start = 0
        for i, char in enumerate(chunk):
            if _is_punctuation(char):
                if start < i:
                    found.append(chunk[start:i])
                found.append(char)
                start = i + 1
        if start < len(chunk):
            found.append(chunk[start:])
    return found


class WordPiece:
    """Token ids of texts for one vocabulary (the list of tokens, in id order)."""

    def __init__(self, vocabulary: Sequence[str], unknown: str = "[UNK]"):
        self.ids = {token: i for i, token in enumerate(vocabulary)}
        self.unknown = self.ids[unknown]
        self.longest = max(len(token.removeprefix("##")) for token in vocabulary)

    def word_ids(self, word: str) -> list[int]:
        if len(word) > MAX_WORD_CHARS:
            return [self.unknown]
        pieces, start = [], 0
        while start < len(word):
            for end in range(min(len(word), start + self.longest), start, -1):
                piece = word[start:end] if start == 0 else f"##{word[start:end]}"
                if piece in self.ids:
                    pieces.append(self.ids[piece])
                    start = end
                    break
            else:
                return [self.unknown]
        return pieces

    def encode(self, text: str) -> list[int]:
        return [i for word in words(normalize(text)) for i in self.word_ids(word)]
