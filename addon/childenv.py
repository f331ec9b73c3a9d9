"""The environment a wrapped command gets: proxy variables and our CA for the common runtimes."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from urllib.parse import quote

PROXY_VARS = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY")
NO_PROXY_VARS = ("NO_PROXY", "no_proxy")
# Variables that REPLACE a runtime's trust store: they get system/certifi roots + our CA.
BUNDLE_VARS = (
    "SSL_CERT_FILE",  # OpenSSL default (Python ssl, httpx, Go on Linux, Ruby, PHP...)
    "REQUESTS_CA_BUNDLE",  # requests
    "CURL_CA_BUNDLE",  # curl, pycurl
    "AWS_CA_BUNDLE",  # boto3 / AWS CLI and SDKs
    "GIT_SSL_CAINFO",  # git over https
    "HTTPLIB2_CA_CERTS",  # httplib2 (google-api-python-client)
    "GRPC_DEFAULT_SSL_ROOTS_FILE_PATH",  # gRPC clients (Gemini over gRPC)
    "DENO_CERT",  # Deno
    "PIP_CERT",  # pip
)
# Variables that ADD to a runtime's trust store: our CA (plus the user's own file's certificates).
EXTRA_CA_VARS = ("NODE_EXTRA_CA_CERTS",)


def system_roots() -> str:
    """PEM text of the usual trusted roots (certifi's, else the system bundle)."""
    try:
        import certifi  # a mitmproxy dependency

        with open(certifi.where(), encoding="ascii", errors="replace") as f:
            return f.read()
    except (ImportError, OSError):
        for path in ("/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt"):
            if os.path.exists(path):
                with open(path, encoding="ascii", errors="replace") as f:
                    return f.read()
    return ""


def write_bundle(ca_cert: str, bundle: str) -> str:
    """System roots + our CA in one PEM file (rewritten atomically when it changes)."""
    with open(ca_cert, encoding="ascii") as f:
        ours = f.read()
    text = system_roots().rstrip("\n") + "\n" + ours
    try:
        with open(bundle, encoding="ascii") as f:
            if f.read() == text:
                return bundle
    except OSError:
        pass
    from .store import atomic_write  # here: `vcrproxy env` must not load the codec

    atomic_write(bundle, text.encode("ascii", "replace"))
    return bundle


_PEM_BLOCK = "-----END CERTIFICATE-----"


def with_user_roots(bundle: str, env: Mapping[str, str]) -> str:
    """`bundle`, or, when `env` names trust files of its own in BUNDLE_VARS (a company CA in
    SSL_CERT_FILE, REQUESTS_CA_BUNDLE), a bundle beside it that adds their certificates: the
    wrapped command's variables are replaced, and a request that verified before (a kept
    NO_PROXY host, reached directly) must still verify. Named by its content's hash."""
    return _with_certs(bundle, [env.get(name) for name in BUNDLE_VARS])


def with_user_extra_ca(ca_cert: str, env: Mapping[str, str]) -> str:
    """`ca_cert`, or, when `env` names a file of its own in EXTRA_CA_VARS (NODE_EXTRA_CA_CERTS:
    the only way Node adds a company or internal CA), a file beside it holding our CA and that
    file's certificates, for the same reason as with_user_roots. Named by its content's hash."""
    return _with_certs(ca_cert, [env.get(name) for name in EXTRA_CA_VARS])


def _with_certs(base_path: str, paths: list[str | None]) -> str:
    """`base_path`, or `<its stem>-<hash>.pem` beside it: its text plus the certificates of the
    files `paths` names (a missing or unreadable one, or `base_path` itself, is passed over)
    that it lacks."""
    blocks: dict[str, None] = {}
    try:
        with open(base_path, encoding="ascii", errors="replace") as f:
            base = f.read()
    except OSError:
        return base_path
    for path in paths:
        if not path or not os.path.isfile(path) or os.path.realpath(path) == os.path.realpath(
                base_path):
            continue
        try:
            with open(path, encoding="ascii", errors="replace") as f:
                text = f.read()
        except OSError:
            continue
        for block in text.split(_PEM_BLOCK)[:-1]:
            start = block.find("-----BEGIN CERTIFICATE-----")
            if start >= 0:
                blocks.setdefault(block[start:].strip() + "\n" + _PEM_BLOCK + "\n")
    extra = [b for b in blocks if b.strip() not in base]
    if not extra:
        return base_path
    import hashlib

    text = base.rstrip("\n") + "\n" + "".join(extra)
    digest = hashlib.sha256(text.encode("ascii", "replace")).hexdigest()[:16]
    path = f"{os.path.splitext(base_path)[0]}-{digest}.pem"
    if not os.path.exists(path):
        from .store import atomic_write

        atomic_write(path, text.encode("ascii", "replace"))
    return path


# (and lone surrogates: bytes that are no UTF-8, kept by surrogateescape)
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def cassette_name_parts(name: str) -> list[str]:
    """The folders and file of a cassette name a client gives in its proxy URL (`a/b` ->
    [a, b]). ValueError, its text the rule it breaks (`must be a relative path under`: absolute,
    a backslash or a NUL; `must stay under`: empty, or leaving its root by `..`; `must be
    printable text under`: a control character, a bidi override or a byte that is no UTF-8).
    The one rule for `registry.resolve_cassette_name` (each request) and `vcrproxy env
    --cassette` (at once)."""
    if "\x00" in name or "\\" in name or name.startswith("/") or os.path.isabs(name):
        raise ValueError("must be a relative path under")
    if _UNPRINTABLE.search(name):  # (a file name is shown in every view's lines)
        raise ValueError("must be printable text under")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if not parts or any(p == ".." for p in parts):
        raise ValueError("must stay under")
    return parts


def proxy_url(
    host: str,
    port: int,
    cassette_name: str | None = None,
    mode: str | None = None,
    faults: Sequence[str] = (),
) -> str:
    """`http://[NAME[:MODE][;FAULT...]@]HOST:PORT`: the cassette, its mode and its replay faults
    as the proxy credentials (`@` and `#` of a fault percent-encoded, as a URL needs).

    A client decodes the URL's user part before it sends it as `Proxy-Authorization: Basic
    NAME:MODE` (RFC 7617 2: the user-id holds no colon), and the proxy unquotes NAME once more
    (registry.proxy_credentials): so a name's `:` and `%` are encoded twice (`%253A`, `%2525`),
    and `runs/10:00.yaml` reaches the proxy as one name, not as `runs/10` in mode `00.yaml`."""
    if ":" in host:
        host = f"[{host}]"
    auth = ""
    if cassette_name:
        auth = quote(cassette_name, safe="").replace("%25", "%2525").replace("%3A", "%253A")
        if mode or faults:
            auth += ":" + ";".join(
                [quote(mode or "", safe=""), *(quote(f, safe=":*=") for f in faults)]
            )
        auth += "@"
    return f"http://{auth}{host}:{port}"


def node_preload() -> str:
    """Path of the package's node_preload.cjs (addon/node_preload.cjs in a checkout)."""
    import vcrproxy

    return os.path.join(os.path.dirname(os.path.abspath(vcrproxy.__file__)), "node_preload.cjs")


def node_options(existing: str = "") -> str:
    """`existing` NODE_OPTIONS plus `--require <our preload>` (once), quoted for Node's parser."""
    if node_preload() in existing:
        return existing
    return f"{existing} {_require_preload()}".strip()


def _require_preload() -> str:
    """`--require "<node_preload path>"`, quoted for Node's NODE_OPTIONS parser."""
    path = node_preload()
    return '--require "' + path.replace("\\", "\\\\").replace('"', '\\"') + '"'


def without_preload(existing: str) -> str:
    """`existing` NODE_OPTIONS with what `node_options` added taken back out (`vcrproxy stop`:
    the shell's later `node` must not load the preload of a session that ended)."""
    arg = _require_preload()
    for added in (f" {arg}", arg):
        if added in existing:
            return existing.replace(added, "", 1).strip()
    return existing


def child_env(
    url: str,
    ca_cert: str,
    bundle: str,
    *,
    base: dict[str, str] | None = None,
    keep_no_proxy: bool = False,
) -> dict[str, str]:
    """`base` (default os.environ) plus the variables that route a child through the proxy."""
    env = dict(os.environ if base is None else base)
    env.update(proxy_exports(url, ca_cert, bundle, user_env=env))
    if not keep_no_proxy:
        # Loopback and internal upstreams are proxied too (tests talk to 127.0.0.1 gateways).
        for name in NO_PROXY_VARS:
            env.pop(name, None)
    return env


def proxy_exports(
    url: str,
    ca_cert: str,
    bundle: str,
    *,
    node_options_base: str | None = None,
    user_env: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The variables a client process needs; NODE_OPTIONS extends `node_options_base` (default:
    `user_env`'s NODE_OPTIONS, else this process's). `user_env`: the environment whose
    variables these replace (a wrapped command's, the shell's): the certificates of its own
    trust files are kept (with_user_roots, with_user_extra_ca)."""
    if user_env is not None:
        bundle = with_user_roots(bundle, user_env)
        extra_ca = with_user_extra_ca(ca_cert, user_env)
        if node_options_base is None:
            node_options_base = user_env.get("NODE_OPTIONS", "")
    else:
        extra_ca = ca_cert
    out: dict[str, str] = {}
    for name in PROXY_VARS:
        out[name] = url
        out[name.lower()] = url
    for name in BUNDLE_VARS:
        out[name] = bundle
    for name in EXTRA_CA_VARS:
        out[name] = extra_ca
    # Node >= 24 honours HTTPS_PROXY in fetch/http only with this set; older Node ignores it.
    out["NODE_USE_ENV_PROXY"] = "1"
    # Older Node: a preload routes fetch through undici's EnvHttpProxyAgent (node_preload.cjs).
    if node_options_base is None:
        node_options_base = os.environ.get("NODE_OPTIONS", "")
    out["NODE_OPTIONS"] = node_options(node_options_base)
    out["VCRPROXY_URL"] = url
    out["VCRPROXY_CA"] = ca_cert
    return out


def shell_exports(values: dict[str, str], *, unset: tuple[str, ...] = NO_PROXY_VARS) -> str:
    import shlex

    lines = [f"export {k}={shlex.quote(v)}" for k, v in values.items()]
    lines += [f"unset {name}" for name in unset]
    return "\n".join(lines)
