"""Secrets detector: provider credentials, private keys and JWTs.

Provider token patterns come from detect-secrets' maintained plugins; this module adds what they lack for
redaction in prompts: whole PEM private-key blocks (the plugin flags only the header), complete
JWTs validated with the plugin's own check, and LLM-provider keys (OpenAI project keys, Anthropic,
Google, Hugging Face).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

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

from otel_llm.guardrails.detectors.base import Detector, register
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
EXTRA_PATTERNS: dict[str, re.Pattern[str]] = {
    PRIVATE_KEY: re.compile(
        r"-----BEGIN ((?:RSA |DSA |EC |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?)-----"
        r"[\s\S]{0,8192}?-----END \1-----"
    ),
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
# Every pattern needs one of these: a run of 16+ token characters, a URL with credentials, a PEM block.
_TOKEN_RUN = re.compile(r"[A-Za-z0-9_\-+/=]{16,}")
_MARKERS = ("://", "-----BEGIN")
# Literals that every match of these plugins' patterns contains: their scans are skipped without them.
_REQUIRED_LITERALS = {
    "TELEGRAM_BOT_TOKEN": (":",),
    "MAILCHIMP_ACCESS_KEY": ("-us",),
    "SLACK_TOKEN": ("xox", "hooks.slack.com"),
    "STRIPE_ACCESS_KEY": ("k_live_",),
}


def entity_type_of(plugin: type[RegexBasedDetector]) -> str:
    """detect-secrets' human name as an upper-snake entity type: 'AWS Access Key' -> 'AWS_ACCESS_KEY'."""
    return re.sub(r"\W+", "_", plugin.secret_type).strip("_").upper()


@register
class SecretsDetector(Detector):
    """Finds credentials; ``exclude`` drops entity types (e.g. ``BASIC_AUTH_CREDENTIALS``)."""

    name = "secrets"
    category = "secret"

    def __init__(self, exclude: Iterable[str] = ()):
        excluded = set(exclude)
        self._patterns = [
            (entity_type_of(plugin), regex)
            for plugin in PLUGINS
            if entity_type_of(plugin) not in excluded
            for regex in plugin().denylist
        ]
        self._patterns += [
            (entity, regex) for entity, regex in EXTRA_PATTERNS.items() if entity not in excluded
        ]

    @property
    def max_span(self) -> int:
        return 512

    def unfinished(self, text: str) -> int | None:
        """An opened PEM block without its END line: hold the stream from its BEGIN line."""
        begin = text.rfind("-----BEGIN ")
        return begin if begin >= 0 and "-----END " not in text[begin:] else None

    def detect(self, text: str) -> list[Match]:
        if not _TOKEN_RUN.search(text) and not any(marker in text for marker in _MARKERS):
            return []
        found = []
        for entity, regex in self._patterns:
            literals = _REQUIRED_LITERALS.get(entity)
            if literals and not any(literal in text for literal in literals):
                continue
            for m in regex.finditer(text):
                group = 1 if entity in SECRET_IN_GROUP and regex.groups else 0
                if entity == JWT and not JwtTokenDetector.is_formally_valid(m.group()):
                    continue
                found.append(Match(m.start(group), m.end(group), entity, 1.0))
        return drop_overlaps(found)
