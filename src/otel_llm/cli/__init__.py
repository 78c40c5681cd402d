"""The ``otel-llm`` command line."""
