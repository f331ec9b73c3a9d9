"""Fault injection in replay: answer some replayed requests with a provider error, a cut-off
stream, a dropped connection or a slow start, to test retry and fallback code offline.

A fault is `KIND[:ARG][@WHICH]`:

- `status:CODE[:RETRY_MS]`: an error in the provider's own shape (`error_response`), with the
  `retry-after-ms` / `retry-after` / `x-should-retry` headers the SDKs read; RETRY_MS defaults to
  `DEFAULT_RETRY_MS` so an SDK's retry comes at once.
- `cut:N`: the recorded response stops after N events (SSE events, NDJSON lines, AWS
  event-stream messages; other bodies: recorded chunks) and the stream is reset. N at or past
  the last event sends them all, then the reset: the end of the stream never comes (a
  connection lost after the final event, which SDKs must tell from a complete answer).
- `reset`: no response at all; the stream is reset.
- `delay:MS`: wait MS milliseconds before the response headers.
- `stall:MS`: wait MS milliseconds between events.

With `--pace recorded`, `cut` and `stall` keep the recorded timing (a stall adds to each gap).

WHICH picks the requests, counting those the cassette answers in one session (cassette): `N`
(the Nth, 1-based), `#ID` (the first one interaction ID answers), `*` (each one; the default) or
`p=0.2` (each one with that probability, from a generator seeded with `vcr_fault_seed`).

`status`, `cut` and `reset` fail the request: they consume no interaction, so the request the
client retries gets the recording. `delay` and `stall` only slow the recorded answer. When several
faults pick one request, the delays and stalls add up and the first failing one listed wins.

How a failure reaches the client (mitmproxy 11 and 12 alike, see `proxy/layers/http`): `reset` is
`flow.kill()`, which mitmproxy turns into a closed connection for an HTTP/1.1 client and a
RST_STREAM (INTERNAL_ERROR) for an h2 client, without an error page. `cut` streams the events from
the loopback chunk server (pacing.py), which then closes its connection without the chunked
body's end: mitmproxy passes that upstream failure on the same way (HTTP/1.1: the connection
closes mid-body; h2: RST_STREAM).
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import random
import re
import struct
import time
import weakref
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass, field

from mitmproxy import http

from . import decoders, misses, providers
from .cassette import Interaction, Response
from .fastresponse import replay_answer
from .flows import bodiless, is_stream, made_answer
from .pacing import PacedReply, chunk_plan, head_bytes, head_delay

KINDS = ("status", "cut", "reset", "delay", "stall")
FAILING = ("status", "cut", "reset")
DEFAULT_RETRY_MS = 20
MAX_MS = 600_000  # a delay or stall longer than 10 minutes is a typo, not a test
FAULT_HEADER = "X-Vcrproxy-Fault"
_SEPARATORS = re.compile(r"[\s,;]+")


class FaultError(ValueError):
    """A fault that does not parse; the message is one line for the user."""


@dataclass(frozen=True)
class Fault:
    """One parsed `--fault`. `arg` is the code, the event count or the milliseconds."""

    kind: str
    arg: int = 0
    retry_ms: int = DEFAULT_RETRY_MS
    nth: int | None = None  # WHICH = N
    interaction_id: int | None = None  # WHICH = #ID
    probability: float | None = None  # WHICH = p=P
    text: str = ""  # as written, for the summary

    @property
    def fails(self) -> bool:
        return self.kind in FAILING

    @property
    def once(self) -> bool:
        return self.nth is not None or self.interaction_id is not None


def _int(text: str, what: str, spec: str, low: int, high: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise FaultError(f"fault {spec!r}: {what} must be a whole number, not {text!r}") from None
    if not low <= value <= high:
        raise FaultError(f"fault {spec!r}: {what} must be between {low} and {high}")
    return value


def parse_fault(spec: str) -> Fault:
    """`KIND[:ARG][@WHICH]` -> Fault; raises FaultError (a ValueError) with a one-line message."""
    text = spec.strip()
    body, at, which = text.partition("@")
    kind, _, rest = body.partition(":")
    args = rest.split(":") if rest else []
    kind = kind.lower()
    if kind not in KINDS:
        raise FaultError(f"fault {spec!r}: unknown kind {kind!r} (use {', '.join(KINDS)})")
    values: dict = {"kind": kind, "text": text}
    if kind == "reset":
        if args:
            raise FaultError(f"fault {spec!r}: reset takes no argument")
    elif kind == "status":
        if not 1 <= len(args) <= 2:
            raise FaultError(f"fault {spec!r}: use status:CODE or status:CODE:RETRY_MS")
        values["arg"] = _int(args[0], "the status code", spec, 400, 599)
        if len(args) == 2:
            values["retry_ms"] = _int(args[1], "RETRY_MS", spec, 0, MAX_MS)
    else:
        if len(args) != 1:
            unit = "N" if kind == "cut" else "MS"
            raise FaultError(f"fault {spec!r}: use {kind}:{unit}")
        high = 1_000_000 if kind == "cut" else MAX_MS
        values["arg"] = _int(args[0], "the count" if kind == "cut" else "MS", spec, 0, high)
    if at:
        which = which.strip()
        if which.startswith("#"):
            values["interaction_id"] = _int(which[1:], "the interaction id", spec, 0,
                                            2**63 - 1)
        elif which.lower().startswith("p="):
            try:
                p = float(which[2:])
            except ValueError:
                p = -1.0
            if not 0 < p <= 1:
                raise FaultError(f"fault {spec!r}: p= takes a probability in (0, 1]")
            values["probability"] = p
        elif which != "*":
            values["nth"] = _int(which, "WHICH (N, #ID, * or p=P)", spec, 1, 2**63 - 1)
    return Fault(**values)


def parse_faults(items: Iterable[str] | str | None) -> list[Fault]:
    """Faults from option items, each of which may hold several separated by spaces, commas or
    semicolons (as in VCRPROXY_FAULT="status:429@1 cut:3@2")."""
    if items is None:
        return []
    if isinstance(items, str):
        items = [items]
    return [parse_fault(p) for item in items for p in _SEPARATORS.split(item) if p]


def split_credential(password: str | None) -> tuple[str | None, list[Fault]]:
    """The proxy-URL password `[MODE][;FAULT]...` -> (mode or None, faults).

    `http://chat:replay;status:429%401@127.0.0.1:8080`: `@` and `#` must be percent-encoded in a
    URL's userinfo (`%40`, `%23`), which the pytest plugin and `proxy_url` do. A first item that is
    not a fault is the mode (checked where the session opens)."""
    if not password:
        return None, []
    items = password.split(";")
    mode: str | None = None
    if items and not is_fault_item(items[0]):
        mode = items.pop(0) or None
    return mode, parse_faults(items)


def is_fault_item(item: str) -> bool:
    """Whether a proxy-URL password's item names a fault kind (`status:429@1`)."""
    return item.partition(":")[0].partition("@")[0].lower() in KINDS


# -- choosing ---------------------------------------------------------------------------------


@dataclass
class Injection:
    """What happens to one replayed request."""

    faults: list[Fault] = field(default_factory=list)
    delay_ms: int = 0
    stall_ms: int = 0
    failure: Fault | None = None

    def describe(self) -> str:
        return " + ".join(f.text for f in self.faults)


class _SessionFaults:
    """Per cassette session: how many requests it answered, which faults fired (`fired`: the
    one-off ones, which never fire again; `hit`: all), which faults its clients asked for in
    their proxy URL (`asked`) and which of those lists were checked (`checked`: list -> reason)."""

    def __init__(self, seed: int, path: str) -> None:
        self.answered = 0
        self.fired: set[Fault] = set()
        self.hit: set[Fault] = set()
        self.asked: dict[Fault, None] = {}
        self.checked: dict[tuple[Fault, ...], str | None] = {}
        # One generator per cassette, so a test's draws do not depend on the tests before it;
        # seeded by the cassette's folder and file name, not its whole path, so a run
        # reproduces wherever the checkout is (CI's /home/runner/..., pytest's tmp folders).
        where = "/".join(os.path.normpath(path).split(os.sep)[-2:])
        self.rng = random.Random(f"{seed}:{where}")


def _ids(interactions: list[Interaction]) -> str:
    ids = sorted({i.id for i in interactions})
    if not ids:
        return "it holds no interaction"
    if len(ids) <= 8:
        return "its ids: " + ", ".join(map(str, ids))
    return f"its ids: {ids[0]}-{ids[-1]} ({len(ids)} interactions)"


def cannot_fire(
    faults: list[Fault], path: str, mode: str, loaded: list[Interaction], allow_repeats: bool
) -> list[tuple[int, str]]:
    """Which of `faults` (in the order `choose` weighs them) can never fire in a session of the
    cassette at `path` in `mode` (`once` resolved: modes.plan_for) that loaded the interactions
    `loaded`, known before any request: (index in `faults`, one-line reason), in order.

    A fault fires only on a request the session replays (never in record or passthrough mode,
    nor on a WebSocket session or an interim 1xx answer). `#ID` needs an interaction ID the
    cassette holds and can replay. `N` needs an Nth request the cassette can answer: each
    interaction answers once (`--allow-repeats`: again and again) and each failing fault that
    fires once (`status`, `cut`, `reset` at `N` or `#ID`) adds one request, its retry; a failing
    fault on every request (`*`, `p=`) lifts the limit. One request gets one failure, the first
    listed (`choose`): a failing fault after a failing `*` one, or after another failing one at
    the same `N`, never fires, and neither does a one-off fault listed twice."""
    if not faults:
        return []
    where = path
    if mode not in ("replay", "new-episodes"):
        use = "recorded" if mode == "record" else f"used in mode {mode}"
        return [(n, f"fault {f.text} cannot fire: {where} is {use} in this run, and faults "
                    "answer replayed requests only (record it first, then replay it with the "
                    "fault)" if mode == "record" else
                    f"fault {f.text} cannot fire: {where} is {use}, which replays nothing "
                    "(faults answer replayed requests only)")
                for n, f in enumerate(faults)]
    by_id: dict[int, Interaction] = {}
    for i in loaded:
        by_id.setdefault(i.id, i)
    final = [i for i in loaded if i.response.code >= 200 and i.response.code != 101]
    unbounded = allow_repeats or any(f.fails and not f.once for f in faults)
    bound = len(final) + sum(1 for f in dict.fromkeys(faults) if f.fails and f.once)
    problems: list[tuple[int, str]] = []
    seen: set[Fault] = set()
    failing_at: dict[int, Fault] = {}
    failing_all: Fault | None = None
    for n, f in enumerate(faults):
        why = None
        if f.once and f in seen:
            why = "it is listed twice, and a fault at N or #ID fires once"
        elif f.fails and failing_all is not None:
            why = (f"the failing fault {failing_all.text} before it takes every request (a "
                   "request gets one failure: the first listed)")
        elif f.fails and f.nth is not None and f.nth in failing_at:
            why = (f"the failing fault {failing_at[f.nth].text} before it takes request "
                   f"{f.nth} (a request gets one failure: the first listed)")
        elif f.interaction_id is not None:
            found = by_id.get(f.interaction_id)
            if found is None:
                why = f"{where} holds no interaction #{f.interaction_id} ({_ids(loaded)})"
            elif found.response.code == 101:
                why = (f"interaction #{f.interaction_id} is a WebSocket session (101): faults "
                       "answer HTTP requests only")
            elif found.response.code < 200:
                why = (f"interaction #{f.interaction_id} answers with an interim "
                       f"{found.response.code}, which replay never sends")
        elif not final:
            why = (f"{where} holds no HTTP answer to replay"
                   + (" (only WebSocket sessions)" if loaded else ""))
        elif f.nth is not None and not unbounded and f.nth > bound:
            retries = bound - len(final)
            why = (f"{where} answers at most {bound} request(s) ({len(final)} interaction(s), "
                   "each once" + (f", plus {retries} retried after a failing fault"
                                  if retries else "") + f"), never a request {f.nth} "
                   "(--allow-repeats lets the last match answer again)")
        seen.add(f)
        if f.fails and f.nth is not None:
            failing_at.setdefault(f.nth, f)
        if f.fails and not f.once and f.probability is None and failing_all is None:
            failing_all = f
        if why is not None:
            problems.append((n, f"fault {f.text} cannot fire: {why}"))
    return problems


def _cannot_fire_in(faults: list[Fault], session) -> list[tuple[int, str]]:
    """`cannot_fire` for an open CassetteSession."""
    return cannot_fire(faults, str(session.path), str(session.mode),
                       session.loaded_interactions(), session.matcher.config.allow_repeats)


def _never(fault: Fault, answered: int, seed: int) -> str:
    """Why `fault` never fired, from the number of requests its session(s) answered."""
    if fault.interaction_id is not None:
        why = f"interaction #{fault.interaction_id} answered no request"
    elif fault.nth is not None:
        why = f"{answered} request(s) answered, fewer than {fault.nth}"
    elif fault.probability is not None:
        why = f"not drawn for any of {answered} request(s) (seed {seed})"
    else:
        why = "no request answered"
    return f"fault {fault.text} never fired: {why}"


class FaultInjector:
    """Decides which faults hit a replayed request (`choose`) and answers with them (`apply`)."""

    def __init__(self) -> None:
        self.faults: list[Fault] = []
        self.seed = 0
        self._sessions: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def configure(self, items: Iterable[str] | str | None, seed: int) -> None:
        """Raises FaultError on a bad fault."""
        self.faults = parse_faults(items)
        self.seed = seed
        self._sessions = weakref.WeakKeyDictionary()

    def choose(
        self, session, interaction: Interaction, extra: Iterable[Fault] = ()
    ) -> Injection | None:
        """The faults for the next request `session` answers with `interaction` (the global
        faults, then `extra`, e.g. from the client's proxy URL); None when none applies. Counts
        the request either way."""
        faults = [*self.faults, *extra]
        if not faults:
            return None
        state = self._state(session)
        state.answered += 1
        chosen = Injection()
        for fault in faults:
            if fault.once and fault in state.fired:
                continue
            if fault.nth is not None and fault.nth != state.answered:
                continue
            if fault.interaction_id is not None and fault.interaction_id != interaction.id:
                continue
            if fault.probability is not None and state.rng.random() >= fault.probability:
                continue
            if fault.fails and chosen.failure is not None:
                continue  # one failure per request: the first listed
            if fault.once:
                state.fired.add(fault)
            state.hit.add(fault)
            chosen.faults.append(fault)
            if fault.kind == "delay":
                chosen.delay_ms += fault.arg
            elif fault.kind == "stall":
                chosen.stall_ms += fault.arg
            else:
                chosen.failure = fault
        return chosen if chosen.faults else None

    def _state(self, session) -> _SessionFaults:
        state = self._sessions.get(session)
        if state is None:
            state = self._sessions[session] = _SessionFaults(self.seed, str(session.path))
        return state

    def check_start(self, session) -> None:
        """Raises FaultError (one line) when a fault of this proxy (`vcr_fault`) cannot fire in
        `session` (`cannot_fire`): for the cassette a proxy is started with, where a fault that
        can never fire is a test that cannot fail."""
        problems = _cannot_fire_in(self.faults, session)
        if problems:
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            raise FaultError(problems[0][1] + more)

    def admit(self, session, wanted: list[Fault]) -> str | None:
        """A client's own faults (its proxy URL) for `session`: the one-line reason one of them
        cannot fire there (`cannot_fire`, weighed after this proxy's faults, as `choose` does),
        else None; remembered for `never_fired`."""
        state = self._state(session)
        key = tuple(wanted)
        if key not in state.checked:
            problems = _cannot_fire_in([*self.faults, *wanted], session)
            own = [text for n, text in problems if n >= len(self.faults)]
            state.checked[key] = (
                own[0] + (f" (and {len(own) - 1} more)" if len(own) > 1 else "") if own else None
            )
            if not own:  # (refused ones were said already: each request gets the error)
                state.asked.update(dict.fromkeys(wanted))
        return state.checked[key]

    def never_fired(self, session) -> tuple[list[str], list[str]]:
        """The faults `session`'s clients asked for (`admit`) that never fired: (errors, notes).
        A fault at N, #ID or `*` that did not fire left its test unable to fail: an error; one
        at `p=` was drawn and missed, which a seed may do: a note."""
        state = self._sessions.get(session)
        if state is None:
            return [], []
        return self._split([f for f in state.asked if f not in state.hit], state.answered)

    def never_fired_anywhere(self) -> tuple[list[str], list[str]]:
        """This proxy's own faults (`vcr_fault`) that fired in no session: (errors, notes)."""
        states = list(self._sessions.values())
        missed = [f for f in self.faults if not any(f in s.hit for s in states)]
        return self._split(missed, sum(s.answered for s in states))

    def _split(self, faults: list[Fault], answered: int) -> tuple[list[str], list[str]]:
        errors, notes = [], []
        for f in faults:
            text = _never(f, answered, self.seed)
            (notes if f.probability is not None else errors).append(text)
        return errors, notes


# -- answering --------------------------------------------------------------------------------

def _retryable(code: int) -> bool:
    # The rule of the openai and anthropic SDKs (408, 409, 429, 5xx), which also honour
    # x-should-retry when it is present.
    return code in (408, 409, 429) or code >= 500


# google.rpc.Code's HTTP mapping, HTTP status -> gRPC status (others: UNKNOWN, 2).
_GRPC_STATUS = {400: 3, 401: 16, 403: 7, 404: 5, 408: 4, 409: 10, 429: 8, 499: 1, 500: 13,
                501: 12, 502: 14, 503: 14, 504: 4}


def error_response(request: http.Request, fault: Fault) -> http.Response:
    """A `status` fault's answer: the provider's error for that status (providers.py) and the
    headers SDKs retry by. A gRPC call reads only grpc-status / grpc-message (an HTTP error
    status it maps itself: 429 would be UNAVAILABLE): it gets the gRPC status of that code
    (429: RESOURCE_EXHAUSTED), as a miss gets its own (misses.grpc_error)."""
    code = fault.arg
    if misses.is_grpc(request):
        answer = misses.grpc_error(request, _GRPC_STATUS.get(code, 2),
                                   f"HTTP {code} (injected by vcrproxy --fault {fault.text})")
        del answer.headers[misses.MISS_HEADER]
        answer.headers[FAULT_HEADER] = fault.text
        return answer
    api = providers.recognise(request.url, request.headers)
    body, extra = api.status_error(code, f"(injected by vcrproxy --fault {fault.text})")
    headers = {"Content-Type": "application/json", FAULT_HEADER: fault.text, **extra}
    if code == 429 and api.errors == "gemini":  # Google's retry hint rides in the body
        body["error"]["details"] = [{
            "@type": "type.googleapis.com/google.rpc.RetryInfo",
            "retryDelay": f"{fault.retry_ms / 1000:g}s",
        }]
    if _retryable(code):
        headers["retry-after-ms"] = str(fault.retry_ms)
        headers["retry-after"] = str(math.ceil(fault.retry_ms / 1000))
        headers["x-should-retry"] = "true"
    else:
        headers["x-should-retry"] = "false"
    return made_answer(code, json.dumps(body).encode(), headers, request.method)


def split_events(resp: Response) -> list[bytes]:
    """The recorded body as the pieces `cut` and `stall` count: SSE events (up to and including
    their blank line), NDJSON lines, AWS event-stream messages (by their length prefix), else the
    recorded chunks, else the body as one piece.

    A body the cassette holds encoded (go-vcr keeps the gzip bytes a client asked for itself)
    is split decoded and each piece sent encoded again in its stored coding, flushed (the last
    with the coding's end): the client gets the Content-Encoding it asked for, as without the
    fault (a Go client that gunzips the body itself would choke on plain bytes), and decodes
    each event on arrival. One that does not decode (no decoder, bad bytes, or past
    decoders.MAX_DECODED) is split as stored."""
    body = resp.body_bytes
    if not body:
        return []
    encoder = None
    coding = ",".join(resp.header_values("content-encoding"))
    if decoders.codings(coding):
        try:
            body, encoder = decoders.decode(body, coding), decoders.encoder_for(coding)
        except ValueError:
            body = resp.body_bytes
    pieces = _split_plain(resp, body, plain=encoder is None)
    if encoder is None:
        return pieces
    out = [encoder.chunk(p) for p in pieces]
    out[-1] += encoder.finish()
    return out


def _split_plain(resp: Response, body: bytes, plain: bool) -> list[bytes]:
    """`split_events` of `body` (`plain`: the body as stored, whose recorded chunks count)."""
    ctype = ",".join(resp.header_values("content-type")).lower()
    if "text/event-stream" in ctype:
        ends = [m.end() for m in re.finditer(rb"\r\n\r\n|\n\n|\r\r", body)]
    elif "ndjson" in ctype or "jsonl" in ctype:
        ends = [m.end() for m in re.finditer(rb"\n", body)]
    elif "amazon.eventstream" in ctype:
        ends, pos = [], 0
        while pos + 4 <= len(body):
            (total,) = struct.unpack_from(">I", body, pos)
            if total < 16:
                break  # not a prelude: give the rest as one piece
            pos = min(pos + total, len(body))
            ends.append(pos)
    else:
        chunks = resp.chunks if plain else None
        ends, pos = [], 0
        if chunks and sum(size for _, size in chunks) == len(body):
            for _, size in chunks:
                pos += size
                ends.append(pos)
    pieces, start = [], 0
    for end in ends:
        if end > start:
            pieces.append(body[start:end])
            start = end
    if start < len(body):
        pieces.append(body[start:])
    return pieces


def _paced_times(resp: Response, pieces: list[bytes]) -> list[float]:
    """When each of `pieces` (split_events) is due under `--pace recorded`, in seconds from
    the request: the recorded time of the chunk its last byte came in (pacing.chunk_plan; a
    body re-encoded piece by piece is mapped by its share of the stored bytes)."""
    plan = chunk_plan(resp)
    stored = sum(len(data) for _, data in plan)
    total = sum(len(p) for p in pieces)
    times, ends, pos = [], [], 0
    for _, data in plan:
        pos += len(data)
        ends.append(pos)
    step, pos = 0, 0
    for piece in pieces:
        pos += len(piece)
        target = pos * stored / total if total else 0
        while step < len(plan) - 1 and ends[step] < target - 1e-6:
            step += 1
        times.append(plan[step][0] if plan else head_delay(resp))
    return times


@dataclass
class FaultReply:
    """A recorded response the loopback chunk server (pacing.py) streams with stalls between
    events and/or cut after `cut` events (a pacing.LoopbackReply). `origin`: with `--pace
    recorded`, the time.monotonic() the recorded timing counts from (the headers after the
    recorded duration, each event at its recorded time, the stalls added to it)."""

    response: Response
    stall_ms: int = 0
    cut: int | None = None
    method: str = "GET"
    origin: float | None = None

    async def serve(
        self, head: bytes, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        resp = self.response
        pieces = [] if bodiless(resp.code, self.method) else split_events(resp)
        stream = is_stream(resp) or self.cut is not None or self.stall_ms > 0
        due = None
        if self.origin is not None:
            due = _paced_times(resp, pieces)
            await _sleep_until(self.origin + head_delay(resp))
        writer.write(head_bytes(resp, stream, len(resp.body_bytes), self.method))
        await writer.drain()
        for index, piece in enumerate(pieces):
            if self.cut is not None and index >= self.cut:
                break
            if due is not None and self.origin is not None:
                await _sleep_until(self.origin + due[index] + index * self.stall_ms / 1000)
            elif index and self.stall_ms:
                await asyncio.sleep(self.stall_ms / 1000)
            writer.write(b"%x\r\n%s\r\n" % (len(piece), piece) if stream else piece)
            await writer.drain()
        if self.cut is not None:
            # Close without the chunked body's end: mitmproxy sees the upstream fail mid-body
            # and resets the client's stream. A close (not an abort) first sends what is
            # buffered, so the client gets exactly `cut` events.
            writer.close()
            await writer.wait_closed()
            return
        if stream:
            writer.write(b"0\r\n\r\n")
        await writer.drain()


async def _sleep_until(deadline: float) -> None:
    delay = deadline - time.monotonic()
    if delay > 0:
        await asyncio.sleep(delay)


def apply(
    injection: Injection,
    flow: http.HTTPFlow,
    recorded: Response,
    route,
    paced: bool,
) -> Awaitable[None] | None:
    """Answer `flow` with `injection` instead of (or around) `recorded`.

    `route(reply)` sends the flow to the loopback chunk server to be answered by `reply` (a
    FaultReply, or a PacedReply when `paced`). Returns an awaitable for the
    hook to return when the answer must wait (`delay`): mitmproxy awaits what a hook returns, and
    only this flow waits."""
    failure = injection.failure
    method = flow.request.method
    if failure is not None and failure.kind == "reset":
        flow.kill()
    elif failure is not None and failure.kind == "status":
        flow.response = error_response(flow.request, failure)
    elif failure is not None or injection.stall_ms:
        # (paced: the recorded timing counts from when the delay is over, as below)
        origin = time.monotonic() + injection.delay_ms / 1000 if paced else None
        route(FaultReply(recorded, injection.stall_ms, failure.arg if failure else None, method,
                         origin))
    elif paced:
        # The recorded timing counts from when the delay is over.
        route(PacedReply(recorded, time.monotonic() + injection.delay_ms / 1000, method))
        return None
    else:
        h2 = flow.request.http_version.startswith("HTTP/2")
        flow.response = replay_answer(recorded, h2=h2, method=method,
                                      http10=flow.request.http_version == "HTTP/1.0")
    if injection.delay_ms:
        return asyncio.sleep(injection.delay_ms / 1000)
    return None
