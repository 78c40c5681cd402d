from tests.openai.conftest import fake_server  # noqa: F401  (the same loopback fake provider)
