"""The HTTP library the installed openai SDK really uses: ``httpx2`` from openai 3.x, ``httpx`` before."""

import openai._base_client as _base_client

http = getattr(_base_client, "httpx2", None) or _base_client.httpx
