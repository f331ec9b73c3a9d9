"""A user's test suite using the vcrproxy pytest plugin (run by tests/test_pytest_plugin.py).

Each test gets its own cassette under the cassette root; the first run records (once mode), later
runs replay offline. SAMPLE_PROMPT lets the driving test change a request to provoke a miss.
"""

import os
import subprocess

import openai
import pytest

GATEWAY = os.environ["SAMPLE_GATEWAY_URL"]
PROMPT = os.environ.get("SAMPLE_PROMPT", "hello there")
KEY = "sk-test-" + "k" * 40


def client() -> openai.OpenAI:
    # No proxy or CA arguments: the vcrproxy fixture set HTTPS_PROXY and SSL_CERT_FILE.
    return openai.OpenAI(base_url=GATEWAY + "/v1", api_key=KEY, max_retries=0, timeout=20)


def test_chat(vcrproxy):
    reply = client().chat.completions.create(
        model="gpt-fake", messages=[{"role": "user", "content": PROMPT}]
    )
    assert reply.choices[0].message.content == f"You said: {PROMPT}"


def test_stream(vcrproxy):
    stream = client().chat.completions.create(
        model="gpt-fake", messages=[{"role": "user", "content": "stream please"}], stream=True
    )
    text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert text == "You said: stream please"


@pytest.mark.parametrize("word", ["one", "two"])
def test_parametrized(vcrproxy, word):
    reply = client().chat.completions.create(
        model="gpt-fake", messages=[{"role": "user", "content": word}]
    )
    assert reply.choices[0].message.content == f"You said: {word}"


def test_subprocess_curl(vcrproxy):
    # Any language: a child process gets the proxy and CA through vcrproxy.env.
    out = subprocess.run(
        ["curl", "-sS", "--max-time", "20", GATEWAY + "/json?size=40"],
        env=vcrproxy.env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.startswith("{")
