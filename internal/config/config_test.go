package config

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func parse(args []string, env map[string]string) (*Config, error) {
	var c Config
	fs := c.FlagSet("serve")
	err := c.Parse(fs, args, func(k string) string { return env[k] })
	return &c, err
}

func TestPrecedence(t *testing.T) {
	c, err := parse([]string{"--addr", "127.0.0.1:9000"}, map[string]string{
		"CAREFUND_ADDR":             "127.0.0.1:7000", // the flag wins
		"CAREFUND_DATA_DIR":         "/srv/carefund",  // the variable wins over the default
		"CAREFUND_SHUTDOWN_TIMEOUT": "5s",
		"CAREFUND_DEMO":             "true",
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:9000" || c.DataDir != "/srv/carefund" || c.ShutdownTimeout != 5*time.Second || !c.Demo || c.LogLevel != "info" {
		t.Errorf("config = %+v", c)
	}
	if c.source["addr"] != "flag" || c.source["data-dir"] != "env" || c.source["log-level"] != "default" {
		t.Errorf("sources = %v", c.source)
	}
	if c.KeysFolder() != filepath.Join("/srv/carefund", "keys") {
		t.Errorf("KeysFolder() = %q", c.KeysFolder())
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		args []string
		env  map[string]string
		want string // "" for valid
	}{
		{nil, nil, ""},
		{[]string{"--addr", ":8080"}, nil, ""},
		{[]string{"--addr", "8080"}, nil, "not host:port"},
		{[]string{"--addr", "127.0.0.1:http-ish"}, nil, "bad port"},
		{[]string{"--metrics-addr", "127.0.0.1:8080"}, nil, "must differ"},
		{[]string{"--data-dir", " "}, nil, "--data-dir is empty"},
		{[]string{"--database", "mysql://u:secret@h/db"}, nil, "neither a postgres:// URL"},
		{[]string{"--database", "sqlite:/x.db?nolock=1"}, nil, "not supported"},
		{[]string{"--database", "postgresql://h/db"}, nil, ""},
		{[]string{"--log-format", "xml"}, nil, "--log-format"},
		{[]string{"--log-level", "loud"}, nil, "--log-level"},
		{[]string{"--shutdown-timeout", "0s"}, nil, "must be positive"},
		{nil, map[string]string{"CAREFUND_DEMO": "perhaps"}, "CAREFUND_DEMO"},
		{[]string{"--nope"}, nil, "unknown flag --nope"},
		{[]string{"--addr"}, nil, "flag --addr needs a value"},
		{[]string{"--public-url", "https://carefund.example"}, nil, ""},
		{[]string{"--public-url", "carefund.example"}, nil, "--public-url"},
		{[]string{"--public-url", "https://carefund.example/app"}, nil, "--public-url"},
		{[]string{"--payment", "alipay"}, nil, "--payment \"alipay\": use sandbox or wechatpay"},
		{[]string{"--donation-max", "0"}, nil, "--donation-max 0"},
		{[]string{"--page-cache", "-1s"}, nil, "--page-cache -1s"},
		{[]string{"--page-cache", "0s"}, nil, ""},
		{[]string{"--donation-max", "2000000"}, nil, "--donation-max 2000000"},
		{[]string{"--payment", "wechatpay"}, nil, "--payment wechatpay needs --wechatpay-mchid, --wechatpay-appid"},
		{append(weChat(), "--wechatpay-public-key-file", "pub.pem"), nil, "--wechatpay-public-key-file with --wechatpay-public-key-id"},
		{append(weChat(), "--wechatpay-url", "api.mch.weixin.qq.com"), nil, "--wechatpay-url"},
		{weChat(), nil, ""},
		{weChat()[:len(weChat())-2], nil, "needs --public-url https://"},
		{append(weChat(), "--production", "--wechatpay-url", "http://127.0.0.1:9"), nil, "over https only"},
		{[]string{"--production", "--sms", "log"}, nil, "--production with --payment sandbox"},
		{[]string{"--bank", "swift"}, nil, "--bank \"swift\": use sandbox or files"},
		{[]string{"--bank", "files"}, nil, "--bank files needs --bank-outbox, --bank-inbox, --custody-account"},
		{[]string{"--bank", "files", "--bank-outbox", "out", "--bank-inbox", "out/", "--custody-account", "6216610000000000001"}, nil, "different folders"},
		{[]string{"--bank", "files", "--bank-outbox", "out", "--bank-inbox", "in", "--custody-account", "6216610000000000001"}, nil, ""},
		{[]string{"--bank", "files", "--bank-outbox", "out", "--bank-inbox", "in"}, map[string]string{"CAREFUND_CUSTODY_ACCOUNT": "6216610000000000001"}, ""},
		{append(weChat(), "--production", "--sms", "log"), nil, "--production with --bank sandbox"},
		{[]string{"--sms", "twilio"}, nil, "--sms \"twilio\": use log, tencent or aliyun"},
		{[]string{"--sms", "tencent"}, nil, "--sms tencent needs --sms-sign-name, --sms-template, --sms-app-id, --tencentcloud-secret-file"},
		{[]string{"--sms", "aliyun", "--sms-sign-name", "善助"}, nil, "--sms aliyun needs --sms-template, --aliyun-secret-file"},
		{tencent(), nil, ""},
		{[]string{"--identity", "aliyun"}, nil, "--identity aliyun needs --aliyun-secret-file"},
		{[]string{"--identity", "police"}, nil, "--identity \"police\""},
		{append(tencent(), "--sms-url", "127.0.0.1:9"), nil, "--sms-url"},
		{append(tencent(), "--identity-url", "http://127.0.0.1:9"), nil, ""},
		{append(append(weChat(), live()...), "--sms", "log"), nil, "--production with --sms log"},
		{append(append(append(weChat(), live()...), tencent()...), "--identity", "sandbox"), nil, "--production with --identity sandbox"},
		{append(append(weChat(), live()...), tencent()...), nil, ""},
		{append(append(append(weChat(), live()...), tencent()...), "--identity-url", "http://127.0.0.1:9"), nil, "over https only"},
		{append(append(append(weChat(), live()...), tencent()...), "--sms-url", "http://127.0.0.1:9"), nil, "over https only"},
		{append(weChat(), "--wechat-appsecret-file", "appsecret"), nil, ""},
		{[]string{"--wechat-appsecret-file", "appsecret"}, nil, "needs --wechatpay-appid"},
		{[]string{"--wechat-api-url", "api.weixin.qq.com"}, nil, "--wechat-api-url"},
		{[]string{"--wechat-oauth-url", "ftp://open.weixin.qq.com"}, nil, "--wechat-oauth-url"},
	}
	for _, tt := range tests {
		_, err := parse(tt.args, tt.env)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%v %v: %v", tt.args, tt.env, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%v %v: error %v, want %q", tt.args, tt.env, err, tt.want)
		case err != nil && strings.Contains(err.Error(), "u:secret"):
			t.Errorf("%v: the error shows the password: %v", tt.args, err)
		}
	}
}

// weChat is a complete WeChat Pay configuration: the files need not exist
// for Validate, which checks the flags only; serve reads the files.
func weChat() []string {
	return []string{"--payment", "wechatpay", "--wechatpay-mchid", "1900000109", "--wechatpay-appid", "wx0000000000000001",
		"--wechatpay-cert-serial", "5157F09EFDC096DE15EBE81A47057A7232F1B8E1", "--wechatpay-key-file", "key.pem",
		"--wechatpay-apiv3-key-file", "v3.key", "--wechatpay-platform-certs", "wechatpay.pem",
		"--public-url", "https://carefund.example"}
}

// tencent is a complete Tencent Cloud SMS and FaceID configuration.
func tencent() []string {
	return []string{"--sms", "tencent", "--sms-sign-name", "善助平台", "--sms-template", "100001", "--sms-app-id", "1400000001",
		"--identity", "tencent", "--tencentcloud-secret-file", "tc.secret"}
}

// live is a live installation with a real custody bank.
func live() []string {
	return []string{"--production", "--bank", "files", "--bank-outbox", "out", "--bank-inbox", "in", "--custody-account", "6216610000000000001",
		"--keys-dir", "/etc/carefund/keys", "--wechat-appsecret-file", "appsecret"}
}

func TestPrintRedacts(t *testing.T) {
	var c Config
	fs := c.FlagSet("config")
	if err := c.Parse(fs, []string{"--database", "postgres://carefund:hunter2@db/carefund?sslpassword=also"}, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	c.Print(&b, fs)
	out := b.String()
	if strings.Contains(out, "hunter2") || strings.Contains(out, "also") || !strings.Contains(out, "carefund:xxxxx@db") {
		t.Errorf("Print:\n%s", out)
	}
}

// --production refuses a keys folder inside the data folder, by path (serve
// checks links too), and no other.
func TestProductionKeysOutsideData(t *testing.T) {
	for _, c := range []struct {
		data, keys string
		inside     bool
	}{
		{"/srv/data", "", true},
		{"/srv/data", "/srv/data", true},
		{"/srv/data", "/srv/data/keys", true},
		{"data", "data/x/../keys", true},
		{"/srv/data", "/srv/data2/keys", false},
		{"/srv/data", "/srv/..data", false},
		{"/srv/data", "/etc/carefund/keys", false},
		{"data", "keys", false},
	} {
		cfg := Config{Production: true, PublicURL: "https://carefund.example", DataDir: c.data, KeysDir: c.keys}
		err := cfg.productionRefusals()
		if got := err != nil && strings.Contains(err.Error(), "inside the data folder"); got != c.inside {
			t.Errorf("data %q, keys %q: %v; want inside=%v", c.data, c.keys, err, c.inside)
		}
	}
	cfg := Config{Production: true, PublicURL: "http://carefund.example", DataDir: "/srv/data", KeysDir: "/etc/k"}
	if err := cfg.productionRefusals(); err == nil || !strings.Contains(err.Error(), "--public-url https://") {
		t.Errorf("an http public URL: %v", err)
	}
}

// TestValidateWeChatOfficialAccount: with --production and WeChat Pay the
// official account is required (JSAPI inside WeChat needs it), and its
// endpoints are https only.
func TestValidateWeChatOfficialAccount(t *testing.T) {
	base := Config{Production: true, Payment: "wechatpay", WeChatAppID: "wx0000000000000001",
		WeChatAPIURL: "https://api.weixin.qq.com", WeChatOAuthURL: "https://open.weixin.qq.com"}
	if err := base.validateWeChat(); err == nil || !strings.Contains(err.Error(), "--wechat-appsecret-file") {
		t.Errorf("production without the official account: %v", err)
	}
	c := base
	c.WeChatAppSecretFile = "appsecret"
	if err := c.validateWeChat(); err != nil {
		t.Errorf("a complete configuration: %v", err)
	}
	c.WeChatAPIURL = "http://127.0.0.1:9"
	if err := c.validateWeChat(); err == nil || !strings.Contains(err.Error(), "https only") {
		t.Errorf("an http API in production: %v", err)
	}
	c.WeChatAPIURL, c.WeChatOAuthURL = base.WeChatAPIURL, "http://127.0.0.1:9"
	if err := c.validateWeChat(); err == nil || !strings.Contains(err.Error(), "--wechat-oauth-url") {
		t.Errorf("an http OAuth page in production: %v", err)
	}
}

// testVkey is a cosignature/v1 verifier key of name (over a made-up key).
func testVkey(name string) string {
	k := append([]byte{0x04}, bytes.Repeat([]byte{7}, 32)...)
	h := sha256.Sum256(append([]byte(name+"\n"), k...))
	return fmt.Sprintf("%s+%08x+%s", name, binary.BigEndian.Uint32(h[:]), base64.StdEncoding.EncodeToString(k))
}

// --log-witness repeats, takes several in its environment variable,
// refuses a malformed value or a name twice, wants https in production, and
// prints without a password.
func TestLogWitnesses(t *testing.T) {
	a, b := "https://w1.example="+testVkey("w1.example"), "http://127.0.0.1:7380="+testVkey("w2.example")
	c, err := parse([]string{"--log-witness", a, "--log-witness", b}, nil)
	if err != nil || len(c.LogWitnesses) != 2 || c.LogWitnesses[0].Name() != "w1.example" || c.LogWitnesses[1].URL != "http://127.0.0.1:7380" {
		t.Fatalf("%+v, %v", c.LogWitnesses, err)
	}
	c, err = parse(nil, map[string]string{"CAREFUND_LOG_WITNESS": a + " " + b})
	if err != nil || len(c.LogWitnesses) != 2 || c.source["log-witness"] != "env" {
		t.Fatalf("from the environment: %+v, %v", c.LogWitnesses, err)
	}
	for _, args := range [][]string{
		{"--log-witness", "https://w1.example"},
		{"--log-witness", "w1.example=" + testVkey("w1.example")},
		{"--log-witness", "https://w1.example=" + strings.Replace(testVkey("w1.example"), "w1.example+", "w3.example+", 1)},
		{"--log-witness", a, "--log-witness", strings.Replace(a, "https://w1", "https://other", 1)},
	} {
		if _, err := parse(args, nil); err == nil || !strings.Contains(err.Error(), "witness") {
			t.Errorf("%q: %v", args, err)
		}
	}
	cfg := Config{Production: true, LogWitnesses: c.LogWitnesses}
	if err := cfg.validateWitnesses(); err == nil || !strings.Contains(err.Error(), "https only") {
		t.Errorf("an http witness in production: %v", err)
	}
	var pc Config
	fs := pc.FlagSet("config")
	if err := pc.Parse(fs, []string{"--log-witness", "https://user:hunter2@w1.example=" + testVkey("w1.example")}, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	pc.Print(&out, fs)
	if got := out.String(); strings.Contains(got, "hunter2") || !strings.Contains(got, "https://w1.example="+testVkey("w1.example")) {
		t.Errorf("Print:\n%s", got)
	}
}

// TestComplaintChannels: the published complaint channels (R-COMP-2) have
// demonstration defaults, take flags and environment, and are checked.
func TestComplaintChannels(t *testing.T) {
	parse := func(args []string, env map[string]string) (*Config, error) {
		var c Config
		fs := c.FlagSet("serve")
		err := c.Parse(fs, args, func(k string) string { return env[k] })
		return &c, err
	}
	c, err := parse(nil, nil)
	if err != nil || c.ComplaintPhone != DemoComplaintPhone || c.ComplaintEmail != DemoComplaintEmail {
		t.Fatalf("defaults: %+v, %v", c, err)
	}
	c, err = parse([]string{"--complaint-phone", "010-1234 5678"}, map[string]string{"CAREFUND_COMPLAINT_EMAIL": "ts@example.org"})
	if err != nil || c.ComplaintPhone != "010-1234 5678" || c.ComplaintEmail != "ts@example.org" {
		t.Fatalf("set: %q %q, %v", c.ComplaintPhone, c.ComplaintEmail, err)
	}
	for _, args := range [][]string{{"--complaint-phone", "call us"}, {"--complaint-phone", "12"}, {"--complaint-email", "nobody"}, {"--complaint-email", "a b@x.org"}} {
		if _, err := parse(args, nil); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}
