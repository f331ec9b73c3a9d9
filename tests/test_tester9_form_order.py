"""A recorded request's `form` is Go's `Request.Form` after `ParseForm`, which go-vcr v4's default
matcher compares with reflect.DeepEqual: the urlencoded body's values come first, then the URL
query's (net/http `ParseForm` copies PostForm, then the query); the body is parsed whatever the
capitalisation of its media type (`mime.ParseMediaType` lowercases it); a query pair Go cannot
read (a `;` separator, a bad `%` escape) is left out.

Recorded through the real proxy from a real httpx client against the real TLS fake gateway; the
expected form is also computed by a real Go `net/http` when Go is installed.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess

import pytest

from vcrproxy import load_cassette

GO_FORM = r"""
package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
)

type in struct {
	Method  string              `json:"method"`
	URL     string              `json:"url"`
	Headers map[string][]string `json:"headers"`
	Body    string              `json:"body_b64"`
}

func main() {
	var reqs []in
	if err := json.NewDecoder(os.Stdin).Decode(&reqs); err != nil {
		panic(err)
	}
	out := []map[string][]string{}
	for _, x := range reqs {
		body, _ := base64.StdEncoding.DecodeString(x.Body)
		r, err := http.NewRequest(x.Method, x.URL, bytes.NewReader(body))
		if err != nil {
			panic(err)
		}
		r.Header = x.Headers
		_ = r.ParseForm() // (an error still leaves what Go could read in r.Form)
		form := map[string][]string(r.Form)
		if form == nil {
			form = map[string][]string{}
		}
		out = append(out, form)
	}
	json.NewEncoder(os.Stdout).Encode(out)
}
"""


def go_forms(tmp_path, requests: list[dict]) -> list[dict] | None:
    go = shutil.which("go")
    if go is None:
        return None
    src = tmp_path / "goform" / "main.go"
    src.parent.mkdir()
    src.write_text(GO_FORM, encoding="utf-8")
    env = dict(os.environ, GO111MODULE="off", GOFLAGS="", GOPATH=str(tmp_path / "gopath"),
               GOCACHE=os.environ.get("GOCACHE") or str(tmp_path / "gocache"))
    proc = subprocess.run([go, "run", str(src)], input=json.dumps(requests), env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_recorded_form_is_go_request_form(run_proxy, ca_cert, gateway, tmp_path):
    from conftest import proxied_client

    cassette = tmp_path / "form.yaml"
    proxy = run_proxy(str(cassette), "record")
    with proxied_client(proxy, ca_cert) as client:
        r = client.post(gateway.url + "/echo?x=q&z=1", content=b"x=b&y=2",
                        headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert r.status_code == 200
        r = client.post(gateway.url + "/echo?k=1", content=b"k=2&w=3",
                        headers={"Content-Type": "Application/X-WWW-Form-Urlencoded; "
                                                 "charset=utf-8"})
        assert r.status_code == 200
        r = client.get(gateway.url + "/echo?a=1;b=2&c=%zz&d=ok")
        assert r.status_code == 200
    proxy.stop()

    recorded = load_cassette(str(cassette)).interactions
    forms = [i.request.form or {} for i in recorded]
    expected = [
        {"x": ["b", "q"], "y": ["2"], "z": ["1"]},
        {"k": ["2", "1"], "w": ["3"]},
        {"d": ["ok"]},
    ]
    go = go_forms(tmp_path, [
        {"method": i.request.method, "url": i.request.url, "headers": i.request.headers,
         "body_b64": base64.b64encode(i.request.body_bytes).decode()}
        for i in recorded
    ])
    if go is not None:
        assert go == expected  # (the oracle agrees with what this test expects)
    assert forms == expected


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__]))
