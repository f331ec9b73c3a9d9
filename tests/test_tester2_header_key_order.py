"""A recorded cassette's `headers` and `form` keys are written in the order the client sent
them, where go-vcr writes them sorted.

README (Cassettes): "Fields are written as go-vcr would write them for the same exchange".
go-vcr's `headers` is a Go `http.Header` and `form` a `url.Values`, both maps, and yaml.v3
writes a map's keys sorted (sorter.go; `vcrproxy.yamlio.go_key_sorted` is that order). Every
go-vcr cassette (the reference ones in cassettes/) has them sorted. vcrproxy's recording keeps
the wire order instead: the same exchange recorded by go-vcr and by vcrproxy gives two files,
and a re-recording by an SDK version that reorders its headers churns the cassette's diff.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from conftest import record_through  # noqa: E402

from vcrproxy import load_cassette  # noqa: E402
from vcrproxy.yamlio import go_key_sorted  # noqa: E402


def test_recorded_header_and_form_keys_are_in_go_map_order(run_proxy, gateway, ca_cert, tmp_path):
    cassette = tmp_path / "c.yaml"
    record_through(
        run_proxy, cassette, ca_cert,
        {"method": "POST", "url": gateway.url + "/echo?zeta=1&alpha=2",
         "data": {"mid": "3", "beta": "4"},
         "headers": {"X-Zulu": "1", "X-Alpha": "2"}},
    )
    request = load_cassette(str(cassette)).interactions[0].request
    header_keys = list(request.headers)
    assert header_keys == go_key_sorted(header_keys), (
        f"request headers written in wire order {header_keys}, go-vcr writes "
        f"{go_key_sorted(header_keys)}"
    )
    form_keys = list(request.form)
    assert form_keys == go_key_sorted(form_keys), (
        f"form written in wire order {form_keys}, go-vcr writes {go_key_sorted(form_keys)}"
    )
