"""AWS Bedrock instrumentation (boto3 ``bedrock-runtime``): ``converse``, ``converse_stream``,
``invoke_model`` and ``invoke_model_with_response_stream``. Provider: ``aws.bedrock``.

boto3 makes its client classes at run time, so the hook is ``botocore.client.BaseClient._make_api_call``,
the one method every client call goes through: one span per API call, streams included (the
``EventStream`` in the response is proxied and ends the span). Calls of other services or operations
pass straight through. ``aws.bedrock.guardrail.id`` is set when the call names a guardrail.

Guardrails (``otel_llm.formats.bedrock_texts``): botocore passes ``_make_api_call`` its arguments
positionally; the
shared wrapper checks them by name (``Operation.arguments``) and passes redacted ones by name.
"""

from __future__ import annotations

from otel_llm.instrumentation._base import GenAIInstrumentor, Patches


class BedrockInstrumentor(GenAIInstrumentor):
    requirements = ("botocore >= 1.34.116",)  # the first with converse_stream

    def patches(self) -> Patches:
        from otel_llm.instrumentation._wrapping import Patch
        from otel_llm.instrumentation.bedrock._sdk import API_CALL, API_CALL_METHOD

        return (Patch(*API_CALL_METHOD, API_CALL),)


__all__ = ["BedrockInstrumentor"]
