"""One cassette in use: its mode, matcher, durable writer and the counts for the summary."""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass, field, replace

from .cassette import Cassette, CassetteError, Interaction, Request, blank_file
from .matching import MatchConfig, Matcher, Miss
from .modes import plan_for
from .options import MODES, Mode  # noqa: F401  (MODES re-exported)
from .redaction import RedactionConfig, StreamScan, redact_interaction
from .schema import sendable_problems
from .store import PROCESS_RUN, RecordRun
from .yamlio import CassetteWriter, file_stamp, load_cassette_notes
from .yamlv3 import StreamedScalar, utf8_text

log = logging.getLogger("vcrproxy")

# Bodies from this size on are redacted, serialised and written in a forked process (see
# CassetteWriter.append): 200 MB takes ~15 s of CPU in calls that hold the GIL for seconds.
ISOLATE_BYTES = 8 * 1024 * 1024

# A cassette the CLI parsed to check it before starting the proxy, handed (through the VCR
# addon's constructor) to the session that opens the same, unchanged file: a large cassette is
# then parsed once at start, not twice (~9 s each for 10,000 interactions; see tests/bench).
@dataclass
class Preloaded:
    path: str  # absolute
    stamp: tuple[int, int]  # (mtime_ns, size) when parsed
    cassette: Cassette

    def current(self) -> Cassette | None:
        """The parsed cassette if the file is unchanged since, else None."""
        try:
            return self.cassette if _stamp(self.path) == self.stamp else None
        except OSError:
            return None


def _stamp(path: str) -> tuple[int, int]:
    st = os.stat(path)
    return st.st_mtime_ns, st.st_size


def refuse_unsendable(cassette: Cassette, path: str) -> None:
    """CassetteError (one line) if replay would have to send or match something invalid: a
    status code outside 100-999, a request without URL or method, CR/LF in a header..."""
    fatal = sendable_problems(cassette)
    if fatal:
        more = f" (and {len(fatal) - 1} more: `vcrproxy check {path}`)" if len(fatal) > 1 else ""
        raise CassetteError(f"{path}: {fatal[0]}{more}; replay cannot use this cassette")


def _load_logged(path: str) -> Cassette:
    """Load a cassette for a proxy session; its repair notes go to the log, once each (not also
    as Python warnings: one channel)."""
    cassette, notes = load_cassette_notes(path)
    for note in notes:
        log.warning("%s", note)
    return cassette


def preload_cassette(path: str) -> Preloaded:
    """`load_cassette(path)` with the file's stamp, for `VCR(preloaded=...)`; CassetteError if
    replay could not use it (`refuse_unsendable`)."""
    stamp = _stamp(path)
    cassette = _load_logged(path)
    refuse_unsendable(cassette, path)
    return Preloaded(os.path.realpath(path), stamp, cassette)  # (the registry's key)


@dataclass
class Stats:
    replayed: int = 0
    recorded: int = 0
    missed: list[str] = field(default_factory=list)  # "METHOD URL" of each miss
    explanations: list[str] = field(default_factory=list)  # why each one missed
    failed: int = 0
    faults: list[str] = field(default_factory=list)  # "FAULT -> METHOD URL (interaction N)"
    # Of `failed`: exchanges the upstream failed (not a client that hung up), so not recorded.
    upstream_failed: int = 0
    # Of `failed`, by request (recorder.abandoned_key), until the same request is recorded (an
    # SDK's retry): requests the client gave up on before any answer (a timed-out attempt), and
    # responses it hung up on before their end (a stream read in part and closed). Neither is
    # recorded: the next replay of the same client would miss them.
    abandoned: dict[tuple[str, str, bytes], int] = field(default_factory=dict)
    cut: dict[tuple[str, str, bytes], int] = field(default_factory=dict)
    # Of `failed`: exchanges still going when the session ended (a stream a process the wrapped
    # command left behind still read), cut by the proxy's stop, not recorded.
    stopped: int = 0
    # Requests that named this cassette, ended or not (a WebSocket session still open): what
    # bypass detection counts as traffic through the proxy.
    requests: int = 0

    @property
    def client_cut(self) -> int:
        """Responses the client hung up on before their end, not retried since."""
        return sum(self.cut.values())

    def given_up(self, key: tuple[str, str, bytes], cut: bool) -> None:
        """An attempt the client left: before any answer, or (`cut`) mid-response."""
        kept = self.cut if cut else self.abandoned
        kept[key] = kept.get(key, 0) + 1

    def retried(self, key: tuple[str, str, bytes]) -> None:
        """The same request was recorded: one attempt given up on is its retry's."""
        for kept in (self.abandoned, self.cut):
            if key in kept:
                kept[key] -= 1
                if not kept[key]:
                    del kept[key]
                return


class CassetteSession:
    """A cassette file opened in one mode.

    What the mode does with the file in its current state (`once` resolved to replay or record,
    errors for folders, FIFOs, unreadable or missing files) is decided by `modes.plan_for`; a
    refusal raises CassetteError (one line). `record` rewrites the file, but only once the first
    exchange completes, so a session that records nothing leaves the old cassette alone.
    """

    def __init__(
        self,
        path: str,
        mode: str,
        match: MatchConfig,
        redaction: RedactionConfig | None,
        preloaded: Preloaded | None = None,
        run: RecordRun = PROCESS_RUN,
        text_rules: RedactionConfig | None = None,
    ) -> None:
        decided = plan_for(mode, path)  # mode x file state: modes.py is the one switch
        if decided.error:
            raise CassetteError(decided.error)
        self.path = path
        self.requested_mode = mode
        self.redaction = redaction
        if redaction is not None:
            redaction.prepare()  # (before any request waits for it)
        self.stats = Stats()
        self.mode = Mode(decided.mode)
        self._opened = file_stamp(path)  # the file this session's model reflects (or replaces)
        if self._opened is not None and not decided.load and blank_file(path, self._opened[1]):
            # An empty file holds no earlier run's recording to replace: for the writer it is
            # a missing one (a file another session makes meanwhile is kept and added to).
            self._opened = None
        cassette = preloaded.current() if preloaded is not None and decided.load else None
        if cassette is None:
            cassette = _load_logged(path) if decided.load else Cassette(path=path)
            if decided.load:
                refuse_unsendable(cassette, path)
        self.cassette = cassette
        self._loaded = len(cassette.interactions)  # (recordings are appended after these)
        # Miss texts hide what this session redacts; `text_rules` when it records unredacted
        # (the user's names still say what is secret: registry.text_rules), else the defaults.
        self.matcher = Matcher(
            self.cassette.interactions, match,
            redaction=redaction or text_rules or RedactionConfig.default(),
        )
        self._writer: CassetteWriter | None = None
        self._fresh = decided.fresh
        self._run = run  # (the record run this session's fresh start belongs to)
        self._write_lock = threading.Lock()
        self.pending = 0  # recordings handed to a worker and not yet written (or failed)

    @property
    def replays(self) -> bool:
        return self.mode in (Mode.REPLAY, Mode.NEW_EPISODES)

    @property
    def passthrough(self) -> bool:
        return self.mode is Mode.PASSTHROUGH

    def find(self, request: Request) -> Interaction | None:
        return self.matcher.find(request)

    def put_back(self, interaction: Interaction) -> None:
        """Let `interaction` answer again (its answer was an injected fault, or a WebSocket
        session that went another way)."""
        self.matcher.put_back(interaction)

    def unused_matches(self, request: Request, also=None) -> list[Interaction]:
        return self.matcher.unused_matches(request, also)

    def take(self, interaction: Interaction) -> bool:
        """Mark `interaction` used, unless it is already (Matcher.take)."""
        return self.matcher.take(interaction)

    def explain(self, request: Request) -> Miss:
        return self.matcher.explain(request)

    def record(self, interaction: Interaction) -> Interaction:
        """Redact and append durably; returns what was written (with its id)."""
        written = self.write(interaction)
        self.note_recorded(written)
        return written

    def write(self, interaction: Interaction, scan: StreamScan | None = None,
              pieces: list[bytes] | StreamedScalar | None = None, *,
              durable: bool = True) -> Interaction:
        """The heavy half of `record`, safe in a worker thread: redact, then append under the
        cassette's file lock (re-reading what other processes appended; ids stay unique).
        `scan`: the response body's redaction scan, made while it streamed. `pieces`: the
        response body in pieces, joined only by the writer (in its child process for a large
        body), or as its YAML text (a body written while it streamed): the interaction
        returned, like this session's model of it, then has no response body (a session that
        replays must pass the body itself). `durable=False`: returns once the interaction is in
        the file, its fsync left to `sync` (CassetteWriter.append)."""
        redaction = self.redaction
        block: StreamedScalar | None = None
        if isinstance(pieces, StreamedScalar) and pieces.finish().usable and (
                redaction is None or (scan is not None and
                                      scan.leaves_body(interaction, redaction, pieces.size))):
            block, pieces = pieces, None  # written as it is, after the other fields' redaction
        # (Otherwise the text is decoded back where the pieces would be joined: in the writer's
        # child, so this process never holds the body beside its text.)

        def prepare(i: Interaction) -> Interaction:
            streamed = pieces if isinstance(pieces, StreamedScalar) and pieces.usable else None
            if isinstance(pieces, StreamedScalar):
                i.response.body = pieces.data()  # redacted as any body
            elif pieces is not None:
                i.response.body = b"".join(pieces)
            # A large body may come as bytes: decoding 200 MB of UTF-8 holds the GIL ~0.5 s.
            for part in (i.request, i.response):
                if isinstance(part.body, bytes):
                    text = utf8_text(part.body)  # (as flows.text_or_bytes)
                    if text is not None:
                        part.body = text
            body = i.response.body
            if redaction is not None:
                i = redact_interaction(i, redaction, scan)  # (a copy)
            if block is not None:
                # Into a copy: the caller's interaction goes on into this session's model and the
                # writer's without a body; with --no-redact it got the text (a leak per body).
                i = replace(i, response=replace(i.response, body=block))
            elif streamed is not None and type(i.response.body) is type(body) and \
                    i.response.body == body:
                # Redaction left it as it was (needles random bytes hold by chance, `Q~`, a value
                # named elsewhere that it might have held): its text is written, not made again.
                i = replace(i, response=replace(i.response, body=streamed))
            return i

        size = len(interaction.request.body) + len(interaction.response.body) + (
            len(pieces) if isinstance(pieces, StreamedScalar) else sum(map(len, pieces or ())))
        isolate = size >= ISOLATE_BYTES or block is not None
        if not isolate:
            interaction = prepare(interaction)
        with self._write_lock:
            if self._writer is None:
                parent = os.path.dirname(self.path)
                if parent:
                    os.makedirs(parent, exist_ok=True)
                c = self.cassette
                # The writer's own model of the file (it may re-read it): ours stays as loaded.
                view = Cassette(interactions=list(c.interactions), version=c.version,
                                extra=dict(c.extra), layout=c.layout, key_order=c.key_order,
                                path=self.path)
                self._writer = CassetteWriter(self.path, view, fresh=self._fresh,
                                              seen=self._opened, run=self._run)
            # (A body already written as text leaves no heavy work: no child process for it.)
            return self._writer.append(interaction, new_id=True,
                                       prepare=prepare if isolate else None, isolate=isolate,
                                       fork=block is None, durable=durable)

    def sync(self) -> None:
        """fsync what `write(durable=False)` left unflushed; safe in a worker thread. Raises
        CassetteError."""
        writer = self._writer
        if writer is not None:
            writer.sync()

    def note_recorded(self, interaction: Interaction) -> None:
        """The light half of `record`, on the event loop: count it, and do not replay it again
        within this session (a new episode)."""
        self.matcher.add(interaction, used=True)
        self.cassette.interactions.append(interaction)  # (the writer keeps its own view)
        self.stats.recorded += 1

    def loaded_interactions(self) -> list[Interaction]:
        """The interactions the file held when the session opened: all it can replay (what it
        records later answers no request of this session)."""
        return self.cassette.interactions[: self._loaded]

    def unused(self) -> list[Interaction]:
        return self.matcher.unused() if self.replays else []

    def close(self) -> None:
        """Flush what `write(durable=False)` left unflushed (a proxy stopped before its
        Recorder.done), then let go of the writer."""
        if self._writer is not None:
            try:
                self.sync()
            except CassetteError as e:
                log.error("vcrproxy: %s", e)
            self._writer.close()
            self._writer = None
