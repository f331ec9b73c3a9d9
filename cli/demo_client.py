"""The demo's client: the real openai SDK asking Vercel AI Gateway for a streamed completion.

Run under `vcrproxy replay cassettes/vercel-gateway-claude-simple-streaming.yaml -- ...`, it is
answered offline from the founding cassette; the request is exactly the one recorded there.
"""

from __future__ import annotations

import os
import sys

import openai


def main() -> int:
    client = openai.OpenAI(
        base_url="https://ai-gateway.vercel.sh/v1",
        # Offline replay needs no key; a real one is redacted from cassettes anyway.
        api_key=os.environ.get("AI_GATEWAY_API_KEY", "sk-offline-demo"),
        max_retries=0,
    )
    ephemeral = {"type": "ephemeral"}
    stream = client.chat.completions.create(
        model="anthropic/claude-sonnet-4",
        messages=[
            {"content": "You are a helpful assistant", "role": "system",
             "cache_control": ephemeral},  # type: ignore[typeddict-unknown-key]
            {"content": "Say hi in Portuguese", "role": "user",
             "cache_control": ephemeral},  # type: ignore[typeddict-unknown-key]
        ],
        max_tokens=4000,
        stream=True,
        stream_options={"include_usage": True},
    )
    usage = None
    for chunk in stream:
        for choice in chunk.choices:
            if choice.delta.content:
                sys.stdout.write(choice.delta.content)
                sys.stdout.flush()
        usage = chunk.usage or usage
    print()
    if usage is not None:
        print(f"(tokens: {usage.prompt_tokens} in, {usage.completion_tokens} out)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
