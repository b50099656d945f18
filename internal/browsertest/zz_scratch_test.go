package browsertest

import (
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

func TestScratch(t *testing.T) {
	srv := newServer(t)
	ctx := New(t, AcceptLanguage("zh-CN,zh,en"))
	if _, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Accept-Language": "en;q=0.5,zh-CN"}}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/", "/wide"} {
		if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+p)); err != nil {
			t.Fatal(err)
		}
		v, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]any](`({iw: innerWidth, cw: document.documentElement.clientWidth, vv: visualViewport.width, sw: screen.width, scw: document.documentElement.scrollWidth, bw: document.body.scrollWidth, langs: navigator.languages})`))
		t.Log(p, v, err)
		t.Log(srv.headers())
	}
}
