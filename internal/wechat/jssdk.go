package wechat

import (
	"crypto/sha1"
	"encoding/hex"
	"strconv"
	"strings"
)

// ShareAPIs are the JS-SDK interfaces the share configuration asks for.
var ShareAPIs = []string{"updateAppMessageShareData", "updateTimelineShareData"}

// JSConfig is what a page passes to wx.config.
type JSConfig struct {
	AppID     string
	Timestamp int64
	NonceStr  string
	Signature string
}

// Signature signs a JS-SDK configuration as the official account's
// documentation says (JS-SDK, appendix 1): the SHA-1, in lower-case hex, of
// "jsapi_ticket=…&noncestr=…&timestamp=…&url=…", the fields in that
// order, unescaped, and url the page's full address without its "#…".
func Signature(ticket, nonce string, timestamp int64, pageURL string) string {
	if i := strings.IndexByte(pageURL, '#'); i >= 0 {
		pageURL = pageURL[:i]
	}
	s := "jsapi_ticket=" + ticket + "&noncestr=" + nonce + "&timestamp=" + strconv.FormatInt(timestamp, 10) + "&url=" + pageURL
	sum := sha1.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}
