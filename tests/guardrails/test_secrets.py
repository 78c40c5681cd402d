from __future__ import annotations

import base64
import json

import pytest

from otel_llm.guardrails.detectors import secrets
from otel_llm.guardrails.detectors.secrets import SecretsDetector
from tests.bounded import finishes_within


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


SIGNATURE = "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
JWT = f"{b64({'alg': 'HS256', 'typ': 'JWT'})}.{b64({'sub': '1234567890', 'name': 'Ann'})}.{SIGNATURE}"
PEM = (
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\n"
    "-----END RSA PRIVATE KEY-----"
)


def found(text: str, detector: SecretsDetector | None = None) -> list[tuple[str, str]]:
    return [(m.entity_type, text[m.start : m.end]) for m in (detector or SecretsDetector()).detect(text)]


@pytest.mark.parametrize(
    ("secret", "entity"),
    [
        ("AKIAIOSFODNN7EXAMPLE", "AWS_ACCESS_KEY"),
        ("ghp_" + "a1B2c3D4e5" * 3 + "a1B2c3", "GITHUB_TOKEN"),
        ("xoxb-123456789012-abcdefghij", "SLACK_TOKEN"),
        ("https://hooks.slack.com/services/T0001/B0002/XXXXabcd", "SLACK_TOKEN"),
        ("123456789:" + "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawq", "TELEGRAM_BOT_TOKEN"),
        ("0123456789abcdef0123456789abcdef-us12", "MAILCHIMP_ACCESS_KEY"),
        ("sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc", "STRIPE_ACCESS_KEY"),
        ("sk-proj-" + "Ab1_" * 12, "OPENAI_PROJECT_KEY"),
        ("sk-ant-api03-" + "x9Y8-" * 18, "ANTHROPIC_API_KEY"),
        ("AIza" + "SyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q", "GOOGLE_API_KEY"),
        ("hf_" + "AbCdEfGhIjKlMnOpQrStUvWxYz01234567", "HUGGINGFACE_TOKEN"),
        (JWT, "JSON_WEB_TOKEN"),
        (PEM, "PRIVATE_KEY"),
    ],
)
def test_each_secret_kind_is_found_whole(secret, entity):
    assert found(f"use {secret} for the call") == [(entity, secret)]


def test_basic_auth_password_in_url():
    assert found("fetch https://ann:hunter2pass@example.com/data") == [
        ("BASIC_AUTH_CREDENTIALS", "hunter2pass")
    ]


def test_malformed_jwt_and_plain_text_are_not_secrets():
    assert found("token eyJhbGciOi.eyJzdWIiOiAxfQ.notbase64!!! is fake") == []
    assert found("The quick brown fox jumps over the lazy dog, sk-short, AKIA123.") == []


def test_exclude_drops_an_entity_type():
    detector = SecretsDetector(exclude=["BASIC_AUTH_CREDENTIALS"])
    assert found("https://ann:hunter2pass@example.com", detector) == []


def test_unfinished_private_key_marks_where_to_hold_a_stream():
    detector = SecretsDetector()
    assert detector.unfinished("text -----BEGIN PRIVATE KEY-----\nMIIB") == 5
    assert detector.unfinished(f"text {PEM} more") is None


@pytest.mark.parametrize(
    ("secret", "entity"),
    [
        ("M" + "a1B2c3D4e5f6" * 2 + "." + "G7h8I9" + "." + "j0K1l2M3n4" * 2 + "O5p6Q7r", "DISCORD_BOT_TOKEN"),
        ("glpat-" + "a1B2c3D4e5" * 2, "GITLAB_TOKEN"),
        ("SG." + "a1B2c3D4e5f6G7h8I9j0K1" + "." + "l2M3n4O5p6" * 4 + "Q7r", "SENDGRID_API_KEY"),
        ("AC" + "a1b2c3d4e5f6g7h8" * 2, "TWILIO_API_KEY"),
        ("AccountKey=" + "a1B2c3D4+/" * 8 + "e5F6g7H8", "AZURE_STORAGE_ACCOUNT_ACCESS_KEY"),
        ("pypi-AgEIcHlwaS5vcmc" + "a1B2c3D4e5" * 7, "PYPI_TOKEN"),
    ],
)
def test_shortest_tokens_pass_the_run_length_prefilter(secret, entity):
    """Each token is as short as its pattern allows, so a too-high ``_SHORTEST_RUN`` entry would miss it."""
    assert found(f"use {secret} for the call") == [(entity, secret)]


def test_aws_secret_key_of_the_minimum_length_is_found():
    secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    assert found(f'aws_secret_access_key = "{secret}"') == [("AWS_ACCESS_KEY", secret)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "//registry.npmjs.org/:_authToken=npm_" + "a1B2c3D4e5" * 4 + "\nnext",
            ("NPM_TOKENS", "//registry.npmjs.org/:_authToken=npm_" + "a1B2c3D4e5" * 4),
        ),
        (
            "use sq0csp-" + "a1B2c3D4e5" * 4 + "f6G for it",
            ("SQUARE_OAUTH_SECRET", "sq0csp-" + "a1B2c3D4e5" * 4 + "f6G"),
        ),
        ("ftp://ann:s3cret@host", ("BASIC_AUTH_CREDENTIALS", "s3cret")),
    ],
)
def test_patterns_behind_a_required_literal_are_found(text, expected):
    assert found(text) == [expected]


OPENAI_KEY = "sk-proj-" + "Ab1x" * 6 + "T3BlbkFJ" + "Zy9w" * 6
ADVERSARIAL_MB = {  # unit repeated to 1 MB: matches found
    "dash sk": ("-sk-", 0),
    "sk and marker": ("-sk-T3BlbkFJ", 1),  # one OpenAI key as long as the text
    "npm slashes": ("//" * 50 + ":_authToken=", 0),
    "jwt heads": ("-eyJ", 0),
    "pem headers": ("-----BEGIN PRIVATE KEY-----", 0),
    "pem header and other end": ("-----BEGIN RSA PRIVATE KEY-----aa-----END EC PRIVATE KEY-----", 0),
}


def detect_1mb(unit: str) -> int:
    text = (unit * (1_000_000 // len(unit) + 1))[:1_000_000]
    return len(SecretsDetector().detect(text))


@pytest.mark.parametrize(("unit", "matches"), ADVERSARIAL_MB.values(), ids=ADVERSARIAL_MB)
def test_adversarial_megabyte_is_scanned_in_linear_time(unit, matches):
    """Patterns that read a run greedily retried every start in it: 100 KB of "-sk-" took 14 s, 1 MB hours.

    The deadline tells linear from quadratic; benchmarks/detector_worst_case.py measures the budget.
    """
    assert finishes_within(20, detect_1mb, unit) == matches


@pytest.mark.parametrize(
    "text",
    [
        f"key={OPENAI_KEY} and -{OPENAI_KEY}-tail",
        f"x{OPENAI_KEY} sk-sk-{OPENAI_KEY}",
        "sk-" + "a" * 30 + "T3BlbkFJ" + "b" * 30 + "T3BlbkFJ" + "c" * 19,
        f"-eyJ-{JWT} weyJ{JWT}",
        "//registry.npmjs.org/:_authToken=npm_abc //a/:_authToken=\n 01234567-89ab-cdef-0123-456789abcdef",
        "//x//y/:_authToken=0123456789abcdef0123456789abcdef0123 // /:_authToken=",
        f"{PEM}\n{PEM.replace('RSA ', 'EC ')}\n-----BEGIN RSA PRIVATE KEY-----\n{PEM}",
        "-----BEGIN PRIVATE KEY-----" + "a" * 8193 + "-----END PRIVATE KEY----- " + PEM,
    ],
)
def test_linear_scans_find_what_the_regexes_find(text):
    """The linear scans of run-anchored patterns and PEM blocks yield exactly ``regex.finditer``'s matches."""
    for entity, regex, _, anchored in SecretsDetector()._patterns:
        if entity == secrets.PRIVATE_KEY:
            fast = secrets.pem_blocks(regex, text)
        elif anchored:
            fast = secrets.run_anchored_matches(regex, *anchored, text)
        else:
            continue
        assert [m.span() for m in fast] == [m.span() for m in regex.finditer(text)], entity


def test_matches_past_the_limit_are_one_range_up_to_the_last(monkeypatch):
    keys = ["AKIA" + c * 16 for c in "ABCDEFG"]
    text = " and ".join(keys)
    every = SecretsDetector().detect(text)
    assert len(every) == 7
    monkeypatch.setattr(secrets, "MAX_MATCHES", 2)
    found = SecretsDetector().detect(text)
    assert found[:2] == every[:2]
    assert [(m.start, m.end, m.entity_type) for m in found[2:]] == [
        (every[2].start, every[6].end, "AWS_ACCESS_KEY")
    ]
