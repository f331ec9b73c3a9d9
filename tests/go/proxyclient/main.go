// proxyclient GETs each URL given with Go's net/http and prints "URL STATUS" or "URL error".
// By default it uses http.DefaultClient (Proxy: http.ProxyFromEnvironment, which never proxies
// localhost or loopback addresses); with EXPLICIT_PROXY=1 its Transport.Proxy is $HTTPS_PROXY
// for every request. Used by tests/test_go.py.
package main

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"time"
)

func main() {
	client := &http.Client{Timeout: 20 * time.Second}
	if os.Getenv("EXPLICIT_PROXY") == "1" {
		proxy, err := url.Parse(os.Getenv("HTTPS_PROXY"))
		if err != nil {
			fmt.Println("bad HTTPS_PROXY:", err)
			os.Exit(2)
		}
		client.Transport = &http.Transport{Proxy: http.ProxyURL(proxy)}
	}
	for _, u := range os.Args[1:] {
		resp, err := client.Get(u)
		if err != nil {
			fmt.Printf("%s error\n", u)
			continue
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		fmt.Printf("%s %d\n", u, resp.StatusCode)
	}
}
