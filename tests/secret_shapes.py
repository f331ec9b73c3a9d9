"""Fake secrets of every kind redaction knows, built at runtime (so no scanner mistakes the repo
for a leak: no literal here has a key's full shape), and look-alikes that must survive.

Shared by tests/test_redaction_rules.py (unit) and tests/test_secrets_e2e.py (through a real
recording session).
"""

from __future__ import annotations

from dataclasses import dataclass

A = "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9wX1yZ"  # 32 mixed characters
HEX = "0123456789abcdef"

# One example per built-in shape (`SHAPES` in addon/redaction.py): test_every_shape_has_an_example
# fails when a shape is added without one.
SHAPE_EXAMPLES: dict[str, str] = {
    "anthropic": "sk-" + "ant-api03-" + "xY9_zW8-" * 11,
    "openai": "sk-" + "proj-" + "Ab1_Cd2-Ef3" * 10,
    "google": "AI" + "za" + "Sy1aB2cD3eF4gH5iJ6kL7mN8oP9qR0sT1u",
    "google-oauth": "ya29" + "." + "a0AfH6SM" * 5,
    "google-refresh": "1//" + "0g" + "LmN4pQ-rS7tU_vW" * 4,
    "google-code": "4/" + "0A" + "X4XfWh8kLmN2pQ" * 3,
    "google-client-secret": "GOCSPX" + "-" + A[:28],
    "aws-access-key": "AK" + "IA" + "IOSFODNN7EXAMPL2",
    "aws-session-token": "IQoJb3JpZ2luX2" + "VjEJr//////////wEaCXVz" + "a1B2c3D4" * 10,
    "aws-sigv4": "Signature" + "=" + HEX * 4,
    "bedrock": "ABSK" + "QmVkcm9ja0FQSUtleS" + "1hYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5",
    "github": "gh" + "p_" + "a1B2c3D4e5F6g7H8i9J0" * 2,
    "gitlab": "glp" + "at-" + "xYz12AbC34dEf56GhI78",
    "xai": "xa" + "i-" + "Q1w2E3r4T5y6U7i8O9p0" * 4,
    "groq": "gs" + "k_" + "Z9x8C7v6B5n4M3a2S1d0" * 3,
    "huggingface": "h" + "f_" + "aBcD1234" * 5,
    "together": "tgp" + "_v1_" + "Ab3dE-fG7h_" * 4,
    "fireworks": "f" + "w_" + "3ZkLmN8pQrS2tUvW4xYz7a",
    "perplexity": "pp" + "lx-" + "a1b2C3d4E5f6" * 4,
    "replicate": "r" + "8_" + "Xy7Zk2LmN9pQ4rS6tU1vW3xY5zA8bC0dE2fG",
    "langsmith": "lsv2" + "_pt_" + HEX * 2 + "_" + "abcdef0123",
    "tavily": "tv" + "ly-" + "dev-" + A,
    "nvidia": "nv" + "api-" + A + "-_" + A,
    "cerebras": "cs" + "k-" + "a1b2c3d4e5" * 5,
    "pinecone": "pc" + "sk_" + "3xYz9a_" + A,
    "vercel": "vc" + "k_" + "3fK9aLq0Zr7TbX2m" * 2,
    "jina": "ji" + "na_" + "a1B2c3D4e5F6" * 4,
    "firecrawl": "f" + "c-" + HEX * 2,
    "anyscale": "esec" + "ret_" + "a1b2c3d4e5f6g7h8i9j0k",
    "openai-ephemeral": "e" + "k_" + "68a1b2c3d4e5f6a7b8c9d0e1",
    "gemini-ephemeral": "auth_" + "tokens/" + "7f3a9c2e1b8d4f6a0c5e7b9d1f3a5c7e",
    "stripe-elevenlabs": "s" + "k_" + HEX * 3,
    "databricks": "da" + "pi" + HEX * 2,
    "digitalocean": "do" + "p_v1_" + HEX * 4,
    "supabase": "sb" + "p_" + HEX * 2 + "01234567",
    "slack": "xo" + "xb-" + "1234567890-1234567890-" + "aBcDeFgHiJkLmNoPqRsTuVwX",
    "npm": "np" + "m_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8",
    "pypi": "pypi" + "-AgE" + "IcHlwaS5vcmcCJGE" * 4,
    "sendgrid": "S" + "G." + "aB3dE5fG7hJ9kL1mN3pQ5r" + "." + A + "sT7uV9wX1yZ3",
    "azure-storage": "AccountKey" + "=" + A * 2 + "==",
    "azure-ad": "abc8" + "Q~" + A,
    "private-key": "-----BEGIN " + "PRIVATE KEY-----\n" + "MIIEvQIBADANBgkqhkiG9w0BAQEF" * 3
    + "\n-----END " + "PRIVATE KEY-----",
    "jwt": "eyJ" + "hbGciOiJIUzI1NiJ9." + "eyJ" + "zdWIiOiIxMjM0NTY3ODkwIn0."
    + "dozjgNryP4J3jVmNHl0w5N",
    "url-password": "postgres://app:" + "s3cr" + "etPw0rd" + "@db.internal:5432/app",
    "bearer": "Bearer " + "vcx" + "_3fK9aLq0Zr7TbX2m",
}


@dataclass(frozen=True)
class Secret:
    """A secret in its natural place: `where` is header / query / form / json / cookie;
    `name` the header, parameter or field that carries it (for shapes found anywhere:
    a neutral name); `value` the secret (what must never show)."""

    id: str
    where: str
    name: str
    value: str
    prefix: str = ""  # sent before the value (an auth scheme, `Signature=`)

    @property
    def text(self) -> str:
        """The value as it is written (with its prefix)."""
        return self.prefix + self.value


def _shape_secrets() -> list[Secret]:
    out = []
    for name, value in SHAPE_EXAMPLES.items():
        if name == "bearer":
            out.append(Secret(name, "header", "X-Note", value[7:], "Bearer "))
        elif name == "private-key":  # multi-line: a JSON body (a service account file)
            out.append(Secret(name, "json", "note", value))
        elif name in ("aws-sigv4", "azure-storage"):
            key, _, secret = value.partition("=")
            out.append(Secret(name, "header", "X-Upstream-Info", secret, key + "="))
        else:
            # A neutral place: only the shape can find it there.
            out.append(Secret(name, "header", "X-Debug-Note", value))
    return out


# Secrets only their name gives away (no shape): each in its natural place.
NAMED_SECRETS: list[Secret] = [
    Secret("azure-32hex", "header", "api-key", HEX * 2),
    Secret("mistral-plain", "header", "Authorization", "Xk9mPq2" + "Lr5sT8v" * 4, "Bearer "),
    Secret("cohere-plain", "json", "api_key", "Zq4" + "Wn7Yt2Kp9" * 4),
    Secret("portkey", "header", "X-Portkey-Api-Key", "pk" + "Ab3dE5fG7hJ9kL1m"),
    Secret("x-auth-token", "header", "X-Auth-Token", "tok" + "9Lm2Nq4Rs6Tu8Vw"),
    Secret("custom-key-header", "header", "X-Custom-Auth", "cust" + "0mV4lu3s3cr3t"),
    Secret("api-key-query", "query", "api-key", "q" + HEX * 2),
    Secret("access-token-query", "query", "access_token", "at" + A[:20]),
    Secret("client-secret-form", "form", "client_secret", "cs" + A[:24]),
    Secret("password-form", "form", "password", "hunter2" + "hunter2"),
    Secret("refresh-token-json", "json", "refresh_token", "rt" + A[:30]),
    Secret("nested-apikey-json", "json", "apiKey", "nk" + A[:26]),
    Secret("session-id-cookie", "cookie", "session_id", "sess" + HEX * 2),
    Secret("aws-secret-json", "json", "aws_secret_access_key", "wJalr" + "XUtnFEMI/K7MDENG/bPx"
           + "RfiCYEXAMPLEKEY"),
]

ALL_SECRETS: list[Secret] = _shape_secrets() + NAMED_SECRETS

# Look-alikes that must survive redaction everywhere.
NOT_SECRETS = [
    "chatcmpl-DuLdMEdkw5VsZSxKY3i9G934hT7LM",
    "msg_01R8GdyyLQUhUfyjqSCMbnWg",
    "call_ehIWdjL1abZk1h8FWGLQ0Hie",
    "resp_0f8d9108fdddf23b016a3c1209558c819f839aa6a3efc268a1",
    "toolu_01A09q90qw90lq917835lq9",
    "gpt-4o-mini-2024-07-18",
    "claude-3-5-sonnet-20241022",
    "claude-sonnet-4-5-20250929",
    "gemini-2.5-flash-preview-05-20",
    "anthropic.claude-3-5-sonnet-20240620-v1:0",
    "us.anthropic.claude-3-7-sonnet-20250219-v1:0",
    "text-embedding-3-small",
    "accounts/fireworks/models/llama-v3p1-8b-instruct",
    "meta-llama/Llama-3.3-70B-Instruct-Turbo",
    "ri" + "sk-" + "assessment-2024-quarterly-report-final",
    "ta" + "sk-" + "0123456789" + "abcdefghijklmnop",
    "org-AbCdEfGhIjKlMnOpQrStUvWx",
    "fp_4fa7959453",
    "d41d8cd98f00b204e9800998ecf8427e",
    "week_2024_summary_of_the_results",
    "fw_version",
    "the bearer of this letter is welcome",
    "sk-learn",
]
