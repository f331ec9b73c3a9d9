// vcrcheck is a go-vcr oracle for vcrproxy's tests: it reads cassettes with the real yaml.v3 and
// go-vcr's cassette structs (copied from dnaeon/go-vcr pkg/cassette/cassette.go; only the YAML
// structs, with yaml.v3 instead of yaml/v4 because that is what Debian packages).
//
// Build without network (Debian: golang-go golang-gopkg-yaml.v3-dev):
//
//	GOPATH=/usr/share/gocode GO111MODULE=off go build -o vcrcheck ./tests/go/vcrcheck
//
// Usage:
//
//	vcrcheck load FILE        go-vcr's Load: print the cassette as JSON (bodies base64)
//	vcrcheck marshal FILE     Load, then Save's marshalling: "---\n" + yaml.v3 Marshal (4-space)
//	vcrcheck scalars          stdin: JSON list of strings; stdout: JSON list of yaml.v3 renderings
//	                          of {"k": s} (value), {s: "v"} (key) and {"k": [s]} (sequence item)
//	vcrcheck scalars64        the same for strings given in base64 (any bytes)
//	vcrcheck durations        stdin: JSON list of strings; stdout: time.ParseDuration results
//	vcrcheck formatdur        stdin: JSON list of int64; stdout: time.Duration(n).String()
//	vcrcheck json             stdin: JSON list of values; stdout: JSON list of yaml.v3 Marshal
//	                          of each (Go maps: keys sorted as yaml.v3 does)
//	vcrcheck plain            stdin: JSON list of strings; stdout: JSON list of "%T %v" of
//	                          each read as the plain YAML scalar of `k: <s>` into an interface{}
//	vcrcheck readback         stdin: JSON list of YAML documents with keys k (a string), m (a
//	                          map of one string to a string) and s (a list of strings); stdout:
//	                          JSON list of [k, m's key, s's items...] as Go strings read them,
//	                          base64, or ["error: ..."] (what a string goes through as a body,
//	                          a header name and a header value in a cassette)
package main

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"time"

	"gopkg.in/yaml.v3"
)

// Request represents a client request as recorded in the cassette file.
type Request struct {
	Proto            string      `yaml:"proto"`
	ProtoMajor       int         `yaml:"proto_major"`
	ProtoMinor       int         `yaml:"proto_minor"`
	ContentLength    int64       `yaml:"content_length"`
	TransferEncoding []string    `yaml:"transfer_encoding,omitempty"`
	Trailer          http.Header `yaml:"trailer,omitempty"`
	Host             string      `yaml:"host"`
	RemoteAddr       string      `yaml:"remote_addr,omitempty"`
	RequestURI       string      `yaml:"request_uri,omitempty"`
	Body             string      `yaml:"body,omitempty"`
	Form             url.Values  `yaml:"form,omitempty"`
	Headers          http.Header `yaml:"headers,omitempty"`
	URL              string      `yaml:"url"`
	Method           string      `yaml:"method"`
}

// Response represents a server response as recorded in the cassette file.
type Response struct {
	Proto            string        `yaml:"proto"`
	ProtoMajor       int           `yaml:"proto_major"`
	ProtoMinor       int           `yaml:"proto_minor"`
	TransferEncoding []string      `yaml:"transfer_encoding,omitempty"`
	Trailer          http.Header   `yaml:"trailer,omitempty"`
	ContentLength    int64         `yaml:"content_length"`
	Uncompressed     bool          `yaml:"uncompressed,omitempty"`
	Body             string        `yaml:"body"`
	Headers          http.Header   `yaml:"headers"`
	Status           string        `yaml:"status"`
	Code             int           `yaml:"code"`
	Duration         time.Duration `yaml:"duration"`
}

// Interaction type contains a pair of request/response for a single HTTP interaction.
type Interaction struct {
	ID       int      `yaml:"id"`
	Request  Request  `yaml:"request"`
	Response Response `yaml:"response"`
}

// Cassette holds the YAML fields of go-vcr's Cassette.
type Cassette struct {
	Version      int            `yaml:"version"`
	Interactions []*Interaction `yaml:"interactions"`
}

const cassetteFormatVersion = 2

func load(name string) (*Cassette, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	c := &Cassette{Interactions: make([]*Interaction, 0)}
	if err := yaml.Unmarshal(data, c); err != nil {
		return nil, err
	}
	if c.Version != cassetteFormatVersion {
		return nil, errors.New("unsupported cassette version format")
	}
	return c, nil
}

type jsonReq struct {
	Proto            string              `json:"proto"`
	ProtoMajor       int                 `json:"proto_major"`
	ProtoMinor       int                 `json:"proto_minor"`
	ContentLength    int64               `json:"content_length"`
	TransferEncoding []string            `json:"transfer_encoding"`
	Trailer          map[string][]string `json:"trailer"`
	Host             string              `json:"host"`
	RemoteAddr       string              `json:"remote_addr"`
	RequestURI       string              `json:"request_uri"`
	Body64           string              `json:"body_b64"`
	Form             map[string][]string `json:"form"`
	Headers          map[string][]string `json:"headers"`
	URL              string              `json:"url"`
	Method           string              `json:"method"`
}

type jsonResp struct {
	Proto            string              `json:"proto"`
	ProtoMajor       int                 `json:"proto_major"`
	ProtoMinor       int                 `json:"proto_minor"`
	TransferEncoding []string            `json:"transfer_encoding"`
	Trailer          map[string][]string `json:"trailer"`
	ContentLength    int64               `json:"content_length"`
	Uncompressed     bool                `json:"uncompressed"`
	Body64           string              `json:"body_b64"`
	Headers          map[string][]string `json:"headers"`
	Status           string              `json:"status"`
	Code             int                 `json:"code"`
	DurationNs       int64               `json:"duration_ns"`
	Duration         string              `json:"duration"`
}

type jsonInteraction struct {
	ID       int      `json:"id"`
	Request  jsonReq  `json:"request"`
	Response jsonResp `json:"response"`
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func toJSON(c *Cassette) interface{} {
	out := make([]jsonInteraction, 0, len(c.Interactions))
	for _, i := range c.Interactions {
		q, r := i.Request, i.Response
		out = append(out, jsonInteraction{
			ID: i.ID,
			Request: jsonReq{q.Proto, q.ProtoMajor, q.ProtoMinor, q.ContentLength, q.TransferEncoding,
				q.Trailer, q.Host, q.RemoteAddr, q.RequestURI, b64(q.Body), q.Form, q.Headers, q.URL,
				q.Method},
			Response: jsonResp{r.Proto, r.ProtoMajor, r.ProtoMinor, r.TransferEncoding, r.Trailer,
				r.ContentLength, r.Uncompressed, b64(r.Body), r.Headers, r.Status, r.Code,
				int64(r.Duration), r.Duration.String()},
		})
	}
	return map[string]interface{}{"version": c.Version, "count": len(c.Interactions), "interactions": out}
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "vcrcheck:", err)
		os.Exit(1)
	}
}

func main() {
	if len(os.Args) < 2 {
		must(errors.New("usage: vcrcheck load|marshal FILE | scalars | durations | formatdur"))
	}
	enc := json.NewEncoder(os.Stdout)
	switch os.Args[1] {
	case "load", "marshal":
		if len(os.Args) != 3 {
			must(errors.New("missing FILE"))
		}
		c, err := load(os.Args[2])
		must(err)
		if os.Args[1] == "load" {
			must(enc.Encode(toJSON(c)))
			return
		}
		data, err := yaml.Marshal(c)
		must(err)
		// go-vcr's Save: "Honor the YAML structure specification".
		os.Stdout.Write(append([]byte("---\n"), data...))
	case "scalars", "scalars64":
		var in []string
		must(json.NewDecoder(os.Stdin).Decode(&in))
		if os.Args[1] == "scalars64" { // (strings of any bytes: JSON text cannot hold them)
			for i, s := range in {
				raw, err := base64.StdEncoding.DecodeString(s)
				must(err)
				in[i] = string(raw)
			}
		}
		out := make([][3]string, 0, len(in))
		for _, s := range in {
			v, err := yaml.Marshal(map[string]string{"k": s})
			must(err)
			k, err := yaml.Marshal(map[string]string{s: "v"})
			must(err)
			q, err := yaml.Marshal(map[string][]string{"k": {s}})
			must(err)
			out = append(out, [3]string{string(v), string(k), string(q)})
		}
		must(enc.Encode(out))
	case "durations":
		var in []string
		must(json.NewDecoder(os.Stdin).Decode(&in))
		type res struct {
			OK bool  `json:"ok"`
			Ns int64 `json:"ns"`
		}
		out := make([]res, 0, len(in))
		for _, s := range in {
			d, err := time.ParseDuration(s)
			out = append(out, res{err == nil, int64(d)})
		}
		must(enc.Encode(out))
	case "formatdur":
		var in []int64
		must(json.NewDecoder(os.Stdin).Decode(&in))
		out := make([]string, 0, len(in))
		for _, n := range in {
			out = append(out, time.Duration(n).String())
		}
		must(enc.Encode(out))
	case "json":
		var in []interface{}
		must(json.NewDecoder(os.Stdin).Decode(&in))
		out := make([]string, 0, len(in))
		for _, v := range in {
			b, err := yaml.Marshal(v)
			must(err)
			out = append(out, string(b))
		}
		must(enc.Encode(out))
	case "plain":
		var in []string
		must(json.NewDecoder(os.Stdin).Decode(&in))
		out := make([]string, 0, len(in))
		for _, s := range in {
			var m map[string]interface{}
			if err := yaml.Unmarshal([]byte("k: "+s), &m); err != nil {
				out = append(out, "error")
				continue
			}
			out = append(out, fmt.Sprintf("%T %v", m["k"], m["k"]))
		}
		must(enc.Encode(out))
	case "readback":
		var in []string
		must(json.NewDecoder(os.Stdin).Decode(&in))
		type probe struct {
			K string            `yaml:"k"`
			M map[string]string `yaml:"m"`
			S []string          `yaml:"s"`
		}
		out := make([][]string, 0, len(in))
		for _, doc := range in {
			var p probe
			if err := yaml.Unmarshal([]byte(doc), &p); err != nil {
				out = append(out, []string{"error: " + err.Error()})
				continue
			}
			got := []string{b64(p.K)}
			for k := range p.M {
				got = append(got, b64(k))
			}
			for _, v := range p.S {
				got = append(got, b64(v))
			}
			out = append(out, got)
		}
		must(enc.Encode(out))
	default:
		must(errors.New("unknown command " + os.Args[1]))
	}
}
