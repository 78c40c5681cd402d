"""Secrets detector: provider credentials, private keys and JWTs.

Provider token patterns come from detect-secrets' maintained plugins; this module adds what they lack for
redaction in prompts: whole PEM private-key blocks (the plugin flags only the header), complete
JWTs validated with the plugin's own check, and LLM-provider keys (OpenAI project keys, Anthropic,
Google, Hugging Face).
"""

from __future__ import annotations

import collections
import re
from collections.abc import Iterable, Iterator

from detect_secrets.plugins import (
    aws,
    azure_storage_key,
    basic_auth,
    discord,
    github_token,
    gitlab_token,
    mailchimp,
    npm,
    openai,
    pypi_token,
    sendgrid,
    slack,
    square_oauth,
    stripe,
    telegram_token,
    twilio,
)
from detect_secrets.plugins.base import RegexBasedDetector
from detect_secrets.plugins.jwt import JwtTokenDetector

from otel_llm.guardrails.detectors.base import MAX_MATCHES, Detector, register
from otel_llm.guardrails.detectors.pii import drop_overlaps
from otel_llm.guardrails.results import Match

PLUGINS: tuple[type[RegexBasedDetector], ...] = (
    aws.AWSKeyDetector,
    azure_storage_key.AzureStorageKeyDetector,
    basic_auth.BasicAuthDetector,
    discord.DiscordBotTokenDetector,
    github_token.GitHubTokenDetector,
    gitlab_token.GitLabTokenDetector,
    mailchimp.MailchimpDetector,
    npm.NpmDetector,
    openai.OpenAIDetector,
    pypi_token.PypiTokenDetector,
    sendgrid.SendGridDetector,
    slack.SlackDetector,
    square_oauth.SquareOAuthDetector,
    stripe.StripeDetector,
    telegram_token.TelegramBotTokenDetector,
    twilio.TwilioKeyDetector,
)

PRIVATE_KEY = "PRIVATE_KEY"
# plugins whose first regex group is the secret itself (elsewhere groups only alternate prefixes)
SECRET_IN_GROUP = {"AWS_ACCESS_KEY", "BASIC_AUTH_CREDENTIALS"}
JWT = "JSON_WEB_TOKEN"
_PEM_BEGIN = re.compile(
    r"-----BEGIN ((?:RSA |DSA |EC |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?)-----"
)
PEM_BODY_LIMIT = 8192  # characters between a private key's BEGIN and END lines
PEM_BLOCK_LIMIT = PEM_BODY_LIMIT + 2 * 64  # with both lines
EXTRA_PATTERNS: dict[str, re.Pattern[str]] = {
    PRIVATE_KEY: re.compile(_PEM_BEGIN.pattern + rf"[\s\S]{{0,{PEM_BODY_LIMIT}}}?-----END \1-----"),
    # each starts with its literal prefix (which lets the regex engine search for it quickly),
    # then checks by lookbehind that no word character precedes it
    JWT: re.compile(r"eyJ(?<!\weyJ)[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{10,}"),
    "OPENAI_API_KEY": re.compile(
        r"sk-(?<!\wsk-)(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}T3BlbkFJ[A-Za-z0-9_-]{20,}"
    ),
    "OPENAI_PROJECT_KEY": re.compile(r"sk-(?<!\wsk-)(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,}"),
    "ANTHROPIC_API_KEY": re.compile(r"sk-ant-(?<!\wsk-ant-)(?:api|admin)\d{2}-[A-Za-z0-9_-]{80,}"),
    "GOOGLE_API_KEY": re.compile(r"AIza(?<!\wAIza)[0-9A-Za-z_-]{35}\b"),
    "HUGGINGFACE_TOKEN": re.compile(r"hf_(?<!\whf_)[A-Za-z0-9]{34,}\b"),
}
# Patterns that read a run greedily from a literal start: a failed attempt means that every later start in
# the same run fails as well, so the search moves on to the run's end instead of retrying each start (which is
# quadratic: 100 KB of "-sk-" took 14 s). Each entry: the candidate starts, and the run from a start.
_TOKEN_CHARS = re.compile(r"[A-Za-z0-9_-]*")
_LINE = re.compile(r"[^\n]*")
_RUN_ANCHORED: dict[str, tuple[re.Pattern[str], re.Pattern[str]]] = {
    "OPENAI_TOKEN": (re.compile(r"sk-"), _TOKEN_CHARS),
    "OPENAI_API_KEY": (re.compile(r"sk-(?<!\wsk-)"), _TOKEN_CHARS),
    JWT: (re.compile(r"eyJ(?<!\weyJ)"), _TOKEN_CHARS),
    "NPM_TOKENS": (re.compile(r"//"), _LINE),
}
# Every pattern needs one of these: a run of 16+ token characters, a URL with credentials, a PEM block.
_TOKEN_RUN = re.compile(r"[A-Za-z0-9_\-+/=]{16,}")
_MARKERS = ("://", "-----BEGIN")
# Literals that every match of these plugins' patterns contains: their scans are skipped without them.
_REQUIRED_LITERALS = {
    "BASIC_AUTH_CREDENTIALS": ("://",),
    "NPM_TOKENS": (":_authToken=",),
    "SQUARE_OAUTH_SECRET": ("sq0csp-",),
    PRIVATE_KEY: ("-----BEGIN ",),
    JWT: ("eyJ",),
    "TELEGRAM_BOT_TOKEN": (":",),
    "MAILCHIMP_ACCESS_KEY": ("-us",),
    "SLACK_TOKEN": ("xox", "hooks.slack.com"),
    "STRIPE_ACCESS_KEY": ("k_live_",),
    "OPENAI_TOKEN": ("T3BlbkFJ",),
    "OPENAI_API_KEY": ("T3BlbkFJ",),
}
# The shortest run of token characters (as in ``_TOKEN_RUN``) that every match of each pattern of an entity
# type contains (a tuple: per plugin regex, in order); a pattern is skipped when the text's longest run is
# shorter. Types not listed always run.
_SHORTEST_RUN: dict[str, int | tuple[int, ...]] = {
    "AWS_ACCESS_KEY": (20, 40),  # key id; secret key between quotes
    "AZURE_STORAGE_ACCOUNT_ACCESS_KEY": 88,
    "DISCORD_BOT_TOKEN": 27,
    "GITHUB_TOKEN": 40,
    "GITLAB_TOKEN": 26,
    "MAILCHIMP_ACCESS_KEY": 36,
    "OPENAI_TOKEN": 51,
    "PYPI_TOKEN": 70,
    "SENDGRID_API_KEY": 43,
    "STRIPE_ACCESS_KEY": 32,
    "TELEGRAM_BOT_TOKEN": 35,
    "TWILIO_API_KEY": 34,
    "OPENAI_API_KEY": 51,
    "OPENAI_PROJECT_KEY": 48,
    "ANTHROPIC_API_KEY": 93,
    "GOOGLE_API_KEY": 39,
    "HUGGINGFACE_TOKEN": 37,
}


def run_anchored_matches(
    regex: re.Pattern[str], starts: re.Pattern[str], run: re.Pattern[str], text: str
) -> Iterator[re.Match[str]]:
    """``regex.finditer(text)`` in linear time, for a pattern whose matches begin at a match of ``starts``
    and whose failure at a start implies failure at every later start within the same ``run``."""
    position = 0
    while (candidate := starts.search(text, position)) is not None:
        start = candidate.start()
        if (m := regex.match(text, start)) is not None:
            yield m
            position = max(m.end(), start + 1)
        else:
            skipped = run.match(text, start)  # matches wherever ``starts`` does, by the contract above
            position = max(skipped.end(), start + 1) if skipped is not None else start + 1


def pem_blocks(regex: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """``regex.finditer(text)`` for PEM blocks in linear time: each BEGIN line looks up the next END line of
    its type (found once per type and position, not scanned for by every BEGIN line)."""
    position, next_end = 0, dict[str, int]()
    while (header := _PEM_BEGIN.search(text, position)) is not None:
        end_line = f"-----END {header.group(1)}-----"
        end = next_end.get(end_line, -2)
        if end != -1 and end < header.end():
            end = next_end[end_line] = text.find(end_line, header.end())
        m = None
        if end != -1 and end - header.end() <= PEM_BODY_LIMIT:
            m = regex.match(text, header.start(), end + len(end_line))
        if m is not None:
            yield m
        position = m.end() if m is not None else header.end()


def entity_type_of(plugin: type[RegexBasedDetector]) -> str:
    """detect-secrets' human name as an upper-snake entity type: 'AWS Access Key' -> 'AWS_ACCESS_KEY'."""
    return re.sub(r"\W+", "_", str(plugin.secret_type)).strip("_").upper()


def shortest_run(entity: str, index: int) -> int:
    """The shortest token run that matches of the entity's ``index``-th regex contain (0: unknown)."""
    runs = _SHORTEST_RUN.get(entity, 0)
    return runs[index] if isinstance(runs, tuple) else runs


@register
class SecretsDetector(Detector):
    """Finds credentials; ``exclude`` drops entity types (e.g. ``BASIC_AUTH_CREDENTIALS``)."""

    name = "secrets"
    category = "secret"

    def __init__(self, exclude: Iterable[str] = ()):
        excluded = set(exclude)
        patterns = [
            (entity_type_of(plugin), index, regex)
            for plugin in PLUGINS
            if entity_type_of(plugin) not in excluded
            for index, regex in enumerate(plugin().denylist)
        ]
        patterns += [(entity, 0, regex) for entity, regex in EXTRA_PATTERNS.items() if entity not in excluded]
        self._patterns = [
            (entity, regex, shortest_run(entity, index), _RUN_ANCHORED.get(entity))
            for entity, index, regex in patterns
        ]

    @property
    def max_span(self) -> int:
        return 512

    def unfinished(self, text: str) -> int | None:
        """An opened PEM block without its END line: hold the stream from its BEGIN line, while the
        block can still end (a BEGIN line further back than the longest block is released)."""
        begin = text.rfind("-----BEGIN ", max(0, len(text) - PEM_BLOCK_LIMIT))
        return begin if begin >= 0 and "-----END " not in text[begin:] else None

    def detect(self, text: str) -> list[Match]:
        longest_run = max((m.end() - m.start() for m in _TOKEN_RUN.finditer(text)), default=0)
        if not longest_run and not any(marker in text for marker in _MARKERS):
            return []
        found = []
        for entity, regex, run, anchored in self._patterns:
            literals = _REQUIRED_LITERALS.get(entity)
            if run > longest_run or (literals and not any(literal in text for literal in literals)):
                continue
            if entity == PRIVATE_KEY:
                matches = pem_blocks(regex, text)
            else:
                matches = run_anchored_matches(regex, *anchored, text) if anchored else regex.finditer(text)
            group = 1 if entity in SECRET_IN_GROUP and regex.groups else 0
            for count, m in enumerate(matches):
                if count == MAX_MATCHES:  # the rest of this pattern's matches: one range, up to the last
                    last = collections.deque(matches, maxlen=1)
                    found.append(Match(m.start(group), (last[0] if last else m).end(group), entity, 1.0))
                    break
                if entity == JWT and not JwtTokenDetector.is_formally_valid(m.group()):
                    continue
                found.append(Match(m.start(group), m.end(group), entity, 1.0))
        return drop_overlaps(found)
