// Package config holds carefund's configuration: one typed struct, filled from
// command-line flags, then CAREFUND_* environment variables, then defaults,
// and checked by Validate. It is passed to what needs it, never global.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/witness"
)

// Config is the effective configuration of one carefund process.
type Config struct {
	Addr            string        // where the platform listens
	PublicURL       string        // how the public reaches it, e.g. https://carefund.example; empty: http://Addr
	DataDir         string        // SQLite database, uploads and keys
	Database        string        // empty: SQLite in DataDir
	KeysDir         string        // empty: keys/ in DataDir
	ReportFont      string        // a CJK TrueType font (.ttf or .ttc) for the annual report's PDF; empty: the system's
	MetricsAddr     string        // where /metrics listens; empty: nowhere
	Demo            bool          // load the demo data
	LogFormat       string        // auto, text or json
	LogLevel        string        // debug, info, warn or error
	ShutdownTimeout time.Duration // how long in-flight requests get to finish
	Production      bool          // a live installation: development pages off, development senders refused
	SMS             string        // how sign-in codes are sent: log (development), tencent or aliyun
	TrustedProxies  string        // comma-separated addresses or CIDR ranges of proxies whose X-Forwarded-For is believed
	FundraisingDays int           // how long a request's fundraising channel stays open before its one extension (R-PUB-4)
	RetentionYears  int           // how long after a request completes its personal data is kept before it is anonymized (R-PII-2); never under MinRetentionYears
	Payment         string        // the payment provider donors pay with: sandbox or wechatpay
	DonationMax     int           // the most one donation may be, in yuan
	PageCache       time.Duration // how long a public request page may be served again without rendering; 0: off
	SandboxKeyFile  string        // file holding the sandbox provider's signing key; empty: derived from the secret keys

	// The custody bank (R-FUND-1): the sandbox, or a real bank reached
	// through ISO 20022 files in the folders its gateway shares.
	Bank           string // sandbox or files
	BankOutbox     string // folder the pain.001 payment files are written to (files)
	BankInbox      string // folder the bank's pain.002 reports and camt.053 statements arrive in (files)
	CustodyAccount string // the custody account's number at the bank; statements of any other account are refused

	// WeChat Pay API v3 (--payment wechatpay): ids, and files holding keys
	// and certificates, never the secrets themselves.
	WeChatMchID         string
	WeChatAppID         string
	WeChatCertSerial    string
	WeChatKeyFile       string // the merchant's API private key (apiclient_key.pem)
	WeChatAPIv3KeyFile  string // the 32-byte APIv3 key
	WeChatPlatformCerts string // comma-separated platform certificate files
	WeChatPublicKeyFile string // the WeChat Pay public key file
	WeChatPublicKeyID   string // its id, PUB_KEY_ID_…
	WeChatURL           string // the API's base URL

	// SMS gateway and real-name check (R-ACC-1) providers: Tencent Cloud
	// or Alibaba Cloud, with their key pairs in files.
	SMSSignName        string // the approved SMS signature (签名)
	SMSTemplate        string // the sign-in code template: Tencent TemplateId, Alibaba TemplateCode
	SMSAppID           string // Tencent SmsSdkAppId
	SMSURL             string // SMS API endpoint override (a local fake); empty: the provider's
	Identity           string // sandbox, tencent or aliyun
	IdentityURL        string // identity API endpoint override; empty: the provider's
	TencentCloudSecret string // file: SecretId, SecretKey on two lines
	AliyunSecret       string // file: AccessKeyId, AccessKeySecret on two lines
	TencentCloudRegion string // X-TC-Region

	// The WeChat official account (its appid is WeChatAppID): OAuth for a
	// donor's openid (JSAPI payment) and the JS-SDK's share configuration.
	WeChatAppSecretFile string // file holding the official account's AppSecret; empty: not inside WeChat
	WeChatAPIURL        string // the official account API's base URL
	WeChatOAuthURL      string // the OAuth authorize page's base URL

	// The published complaint channels besides the form (R-COMP-2), shown
	// on /complaints.
	ComplaintPhone string
	ComplaintEmail string

	// LogWitnesses are the witnesses asked to cosign the transparency
	// log's checkpoints (C2SP tlog-witness), each with its verifier key.
	LogWitnesses Witnesses

	source map[string]string // flag name → "flag", "env" or "default"
}

// EnvPrefix starts the environment variable of every flag: --data-dir is
// CAREFUND_DATA_DIR.
const EnvPrefix = "CAREFUND_"

// MinRetentionYears is the shortest --retention-years the law allows
// (R-PII-2, M9): help information is kept at least three years after the
// request completes.
const MinRetentionYears = 3

// EnvName returns the environment variable for a flag name.
func EnvName(flagName string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// FlagSet returns a flag set bound to c's fields with their defaults, for the
// command name. Its output is discarded: Parse reports errors itself.
func (c *Config) FlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&c.Addr, "addr", "127.0.0.1:8080", "`host:port` to serve the platform on")
	fs.StringVar(&c.PublicURL, "public-url", "", "the `URL` the public reaches the platform at, e.g. https://carefund.example behind a TLS proxy; https turns on HSTS and secure cookies")
	fs.StringVar(&c.DataDir, "data-dir", "carefund-data", "`folder` for the SQLite database, uploads and secret keys")
	fs.StringVar(&c.Database, "database", "", "PostgreSQL `URL` (postgres://…) or SQLite location (sqlite:PATH); default: SQLite in the data folder")
	fs.StringVar(&c.KeysDir, "keys-dir", "", "`folder` of the secret keys, shared by every node of one installation; default: keys/ in the data folder")
	fs.StringVar(&c.ReportFont, "report-font", "", "a Chinese TrueType font `file` (.ttf, or .ttc whose first face is used) for the annual report's PDF; default: the system's (fonts-wqy-zenhei)")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", "", "`host:port` to serve Prometheus /metrics on; off when empty")
	fs.BoolVar(&c.Demo, "demo", false, "load demonstration data")
	fs.StringVar(&c.LogFormat, "log-format", "auto", "log `format`: auto (text on a terminal, JSON otherwise), text or json")
	fs.StringVar(&c.LogLevel, "log-level", "info", "log `level`: debug, info, warn or error")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", 30*time.Second, "how long in-flight requests may take to finish on shutdown")
	fs.BoolVar(&c.Production, "production", false, "run as a live installation: development-only pages are off and development senders are refused")
	fs.StringVar(&c.TrustedProxies, "trusted-proxies", "", "comma-separated `addresses` or CIDR ranges of the proxies in front (a TLS proxy, a load balancer), whose X-Forwarded-For gives the client's address")
	fs.IntVar(&c.FundraisingDays, "fundraising-days", 30, "`days` a request's fundraising channel stays open; the publisher may extend it once by 30 days")
	fs.IntVar(&c.RetentionYears, "retention-years", MinRetentionYears, "`years` a request's personal data is kept after the request completes before it is anonymized (R-PII-2); at least 3")
	fs.StringVar(&c.Payment, "payment", "sandbox", "the payment `provider` donors pay with: sandbox (simulated, for trying it out) or wechatpay (WeChat Pay API v3)")
	fs.IntVar(&c.DonationMax, "donation-max", 50000, "the most one donation may be, in `yuan` (the least is ¥1)")
	fs.DurationVar(&c.PageCache, "page-cache", time.Second, "how long the public page of a request may be served again to readers without a session or share link before it is rendered anew (its totals may lag that long); 0 turns it off")
	fs.StringVar(&c.SandboxKeyFile, "sandbox-key-file", "", "`file` holding the sandbox provider's notification signing key (at least 32 bytes); default: derived from the secret keys")
	fs.StringVar(&c.Bank, "bank", "sandbox", "the custody `bank` payouts are paid through: sandbox (simulated, for trying it out) or files (a real bank, through ISO 20022 files in the folders of --bank-outbox and --bank-inbox)")
	fs.StringVar(&c.BankOutbox, "bank-outbox", "", "`folder` the custody bank's gateway collects payment files (pain.001) from (--bank files)")
	fs.StringVar(&c.BankInbox, "bank-inbox", "", "`folder` the custody bank's gateway delivers status reports (pain.002) and statements (camt.053 or CSV) to (--bank files)")
	fs.StringVar(&c.CustodyAccount, "custody-account", "", "the custody account's `number` at the bank; statements of any other account are refused (required with --bank files; default with the sandbox: the sandbox's account)")
	fs.StringVar(&c.WeChatMchID, "wechatpay-mchid", "", "WeChat Pay merchant `id` (商户号)")
	fs.StringVar(&c.WeChatAppID, "wechatpay-appid", "", "`id` of the official account or mini program donors pay in")
	fs.StringVar(&c.WeChatCertSerial, "wechatpay-cert-serial", "", "serial `number` of the merchant's API certificate")
	fs.StringVar(&c.WeChatKeyFile, "wechatpay-key-file", "", "`file` of the merchant's API private key (apiclient_key.pem)")
	fs.StringVar(&c.WeChatAPIv3KeyFile, "wechatpay-apiv3-key-file", "", "`file` holding the 32-byte APIv3 key")
	fs.StringVar(&c.WeChatPlatformCerts, "wechatpay-platform-certs", "", "comma-separated `files` of WeChat Pay platform certificates")
	fs.StringVar(&c.WeChatPublicKeyFile, "wechatpay-public-key-file", "", "`file` of the WeChat Pay public key (instead of, or as well as, platform certificates)")
	fs.StringVar(&c.WeChatPublicKeyID, "wechatpay-public-key-id", "", "`id` of the WeChat Pay public key, PUB_KEY_ID_…")
	fs.StringVar(&c.WeChatURL, "wechatpay-url", "https://api.mch.weixin.qq.com", "base `URL` of the WeChat Pay API")
	fs.StringVar(&c.SMS, "sms", "log", "how sign-in codes are sent: `log` writes them to the server log and the development page /dev/sms; tencent (Tencent Cloud SMS) or aliyun (Alibaba Cloud SMS) send them")
	fs.StringVar(&c.SMSSignName, "sms-sign-name", "", "the approved SMS `signature` (签名) the messages carry (--sms tencent or aliyun)")
	fs.StringVar(&c.SMSTemplate, "sms-template", "", "the approved sign-in code `template`: Tencent TemplateId or Alibaba TemplateCode (SMS_…), with one parameter, the code")
	fs.StringVar(&c.SMSAppID, "sms-app-id", "", "Tencent Cloud SMS application `id` (SmsSdkAppId, --sms tencent)")
	fs.StringVar(&c.SMSURL, "sms-url", "", "SMS API `URL` instead of the provider's (for a test stand-in)")
	fs.StringVar(&c.Identity, "identity", "sandbox", "the real-name check `provider`: sandbox (accepts every well-formed name and number), tencent (Tencent Cloud FaceID) or aliyun (Alibaba Cloud Cloudauth)")
	fs.StringVar(&c.IdentityURL, "identity-url", "", "real-name check API `URL` instead of the provider's (for a test stand-in)")
	fs.StringVar(&c.TencentCloudSecret, "tencentcloud-secret-file", "", "`file` holding the Tencent Cloud SecretId and SecretKey, one a line")
	fs.StringVar(&c.AliyunSecret, "aliyun-secret-file", "", "`file` holding the Alibaba Cloud AccessKeyId and AccessKeySecret, one a line")
	fs.StringVar(&c.TencentCloudRegion, "tencentcloud-region", "ap-guangzhou", "Tencent Cloud `region` the SMS and FaceID calls name")
	fs.StringVar(&c.WeChatAppSecretFile, "wechat-appsecret-file", "", "`file` holding the WeChat official account's AppSecret (its appid is --wechatpay-appid): donors inside WeChat pay with JSAPI and share cards are signed")
	fs.StringVar(&c.WeChatAPIURL, "wechat-api-url", "https://api.weixin.qq.com", "base `URL` of the WeChat official account API")
	fs.Var(&c.LogWitnesses, "log-witness", "a witness that cosigns the transparency log's checkpoints, as `URL=VKEY`: its address (add-checkpoint is under it) and its cosignature verifier key; repeat the flag for each witness (in "+EnvName("log-witness")+", separate them with spaces)")
	fs.StringVar(&c.ComplaintPhone, "complaint-phone", DemoComplaintPhone, "the complaint and report `phone` number published on /complaints (R-COMP-2)")
	fs.StringVar(&c.ComplaintEmail, "complaint-email", DemoComplaintEmail, "the complaint and report e-mail `address` published on /complaints (R-COMP-2)")
	fs.StringVar(&c.WeChatOAuthURL, "wechat-oauth-url", "https://open.weixin.qq.com", "base `URL` of WeChat's OAuth authorize page")
	return fs
}

// Parse fills c from args, then from the environment for every flag the args
// did not set, and validates the result.
func (c *Config) Parse(fs *flag.FlagSet, args []string, getenv func(string) string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%v; see 'carefund help %s'", flagError(err), fs.Name())
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q; see 'carefund help %s'", fs.Arg(0), fs.Name())
	}
	c.source = map[string]string{}
	fs.Visit(func(f *flag.Flag) { c.source[f.Name] = "flag" })
	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		if c.source[f.Name] != "" {
			return
		}
		c.source[f.Name] = "default"
		if v := getenv(EnvName(f.Name)); v != "" {
			if err := fs.Set(f.Name, v); err != nil && envErr == nil {
				envErr = fmt.Errorf("%s=%q: %v", EnvName(f.Name), v, err)
			}
			c.source[f.Name] = "env"
		}
	})
	if envErr != nil {
		return envErr
	}
	return c.Validate()
}

// flagError rewrites the flag package's messages to name flags with two
// dashes, as the help does.
func flagError(err error) string {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		return "unknown flag --" + name
	}
	if name, ok := strings.CutPrefix(msg, "flag needs an argument: -"); ok {
		return "flag --" + name + " needs a value"
	}
	return strings.Replace(msg, " flag -", " flag --", 1)
}

// Validate checks every field and returns the first problem, in words that
// say how to fix it.
func (c *Config) Validate() error {
	if err := checkAddr("--addr", c.Addr); err != nil {
		return err
	}
	if c.FundraisingDays < 1 || c.FundraisingDays > 365 {
		return fmt.Errorf("--fundraising-days %d: give a number of days from 1 to 365", c.FundraisingDays)
	}
	if c.RetentionYears < MinRetentionYears || c.RetentionYears > 100 {
		return fmt.Errorf("--retention-years %d: give a number of years from %d to 100: the law keeps help information at least %d years after a request completes (R-PII-2)",
			c.RetentionYears, MinRetentionYears, MinRetentionYears)
	}
	if c.DonationMax < 1 || c.DonationMax > 1_000_000 {
		return fmt.Errorf("--donation-max %d: give a number of yuan from 1 to 1000000", c.DonationMax)
	}
	if c.PageCache < 0 || c.PageCache > time.Minute {
		return fmt.Errorf("--page-cache %s: give a duration from 0s to 1m", c.PageCache)
	}
	if err := c.validateComplaints(); err != nil {
		return err
	}
	switch c.Payment {
	case "sandbox":
		if c.Production {
			return errors.New("--production with --payment sandbox would take no real money; configure --payment wechatpay")
		}
	case "wechatpay":
		var missing []string
		for _, f := range []struct{ name, v string }{{"--wechatpay-mchid", c.WeChatMchID}, {"--wechatpay-appid", c.WeChatAppID},
			{"--wechatpay-cert-serial", c.WeChatCertSerial}, {"--wechatpay-key-file", c.WeChatKeyFile},
			{"--wechatpay-apiv3-key-file", c.WeChatAPIv3KeyFile}} {
			if strings.TrimSpace(f.v) == "" {
				missing = append(missing, f.name)
			}
		}
		if c.WeChatPlatformCerts == "" && c.WeChatPublicKeyFile == "" {
			missing = append(missing, "--wechatpay-platform-certs or --wechatpay-public-key-file")
		}
		if (c.WeChatPublicKeyFile == "") != (c.WeChatPublicKeyID == "") {
			missing = append(missing, "--wechatpay-public-key-file with --wechatpay-public-key-id")
		}
		if missing != nil {
			return fmt.Errorf("--payment wechatpay needs %s", strings.Join(missing, ", "))
		}
		if u, err := url.Parse(c.WeChatURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Errorf("--wechatpay-url %q must be an http:// or https:// URL", c.WeChatURL)
		}
		if c.Production && !strings.HasPrefix(c.WeChatURL, "https://") {
			return fmt.Errorf("--wechatpay-url %q: a live installation speaks to WeChat Pay over https only", c.WeChatURL)
		}
		if !strings.HasPrefix(c.PublicURL, "https://") {
			// WeChat Pay sends its notifications only to an https address.
			return errors.New("--payment wechatpay needs --public-url https://…, the address WeChat Pay sends its notifications to")
		}
	default:
		return fmt.Errorf("--payment %q: use sandbox or wechatpay", c.Payment)
	}
	switch c.Bank {
	case "sandbox":
		// As with the sandbox payment provider: a live installation
		// must not believe payouts were paid by a simulation.
		if c.Production {
			return errors.New("--production with --bank sandbox would pay no real money; configure --bank files with the custody bank's folders")
		}
	case "files":
		var missing []string
		for _, f := range []struct{ name, v string }{{"--bank-outbox", c.BankOutbox}, {"--bank-inbox", c.BankInbox},
			{"--custody-account", c.CustodyAccount}} {
			if strings.TrimSpace(f.v) == "" {
				missing = append(missing, f.name)
			}
		}
		if missing != nil {
			return fmt.Errorf("--bank files needs %s", strings.Join(missing, ", "))
		}
		if filepath.Clean(c.BankOutbox) == filepath.Clean(c.BankInbox) {
			return errors.New("--bank-outbox and --bank-inbox must be different folders: the platform's payment files are not the bank's answers")
		}
	default:
		return fmt.Errorf("--bank %q: use sandbox or files", c.Bank)
	}
	if strings.ContainsAny(c.CustodyAccount, " \t\r\n") {
		return fmt.Errorf("--custody-account: give the account number without spaces")
	}
	if c.MetricsAddr != "" {
		if err := checkAddr("--metrics-addr", c.MetricsAddr); err != nil {
			return err
		}
		if c.MetricsAddr == c.Addr && !strings.HasSuffix(c.Addr, ":0") {
			return errors.New("--metrics-addr must differ from --addr: metrics are kept off the public listener")
		}
	}
	if c.PublicURL != "" {
		u, err := url.Parse(c.PublicURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
			return fmt.Errorf("--public-url %q must be http:// or https:// and a host, with no path, for example https://carefund.example", c.PublicURL)
		}
	}
	if strings.TrimSpace(c.DataDir) == "" {
		return errors.New("--data-dir is empty; give a folder carefund may write to")
	}
	if d := c.Database; d != "" && !store.IsPostgres(d) {
		if !strings.HasPrefix(d, "sqlite:") {
			// Never echo the value: it may hold a password.
			return errors.New("--database is neither a postgres:// URL nor a sqlite:PATH location")
		}
		if _, _, err := store.SQLitePath(d); err != nil {
			return fmt.Errorf("--database: %v", err)
		}
	}
	switch c.LogFormat {
	case "auto", "text", "json":
	default:
		return fmt.Errorf("--log-format %q: use auto, text or json", c.LogFormat)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("--log-level %q: use debug, info, warn or error", c.LogLevel)
	}
	if c.ShutdownTimeout <= 0 {
		return fmt.Errorf("--shutdown-timeout %s: must be positive", c.ShutdownTimeout)
	}
	if _, err := c.Proxies(); err != nil {
		return err
	}
	if err := c.validateCloud(); err != nil {
		return err
	}
	if err := c.validateWitnesses(); err != nil {
		return err
	}
	if c.Production {
		if err := c.productionRefusals(); err != nil {
			return err
		}
	}
	if c.Production && c.Demo {
		return errors.New("--demo with --production: the demo staff accounts have a published password; never load them into a live installation")
	}
	if c.Production && c.SMS == "log" {
		return errors.New("--production with --sms log would write sign-in codes to the log; configure an SMS gateway for production")
	}
	return c.validateWeChat()
}

// validateCloud checks the SMS and real-name check providers' settings.
func (c *Config) validateCloud() error {
	var missing []string
	need := func(name, v string) {
		if strings.TrimSpace(v) == "" {
			missing = append(missing, name)
		}
	}
	switch c.SMS {
	case "log":
		if c.Production {
			return errors.New("--production with --sms log would write sign-in codes to the log; configure an SMS gateway (--sms tencent or aliyun) for production")
		}
	case "tencent":
		need("--sms-sign-name", c.SMSSignName)
		need("--sms-template", c.SMSTemplate)
		need("--sms-app-id", c.SMSAppID)
		need("--tencentcloud-secret-file", c.TencentCloudSecret)
	case "aliyun":
		need("--sms-sign-name", c.SMSSignName)
		need("--sms-template", c.SMSTemplate)
		need("--aliyun-secret-file", c.AliyunSecret)
	default:
		return fmt.Errorf("--sms %q: use log, tencent or aliyun", c.SMS)
	}
	if missing != nil {
		return fmt.Errorf("--sms %s needs %s", c.SMS, strings.Join(missing, ", "))
	}
	switch c.Identity {
	case "sandbox":
		if c.Production {
			return errors.New("--production with --identity sandbox would accept any name with any ID number (R-ACC-1); configure --identity tencent or aliyun")
		}
	case "tencent":
		need("--tencentcloud-secret-file", c.TencentCloudSecret)
	case "aliyun":
		need("--aliyun-secret-file", c.AliyunSecret)
	default:
		return fmt.Errorf("--identity %q: use sandbox, tencent or aliyun", c.Identity)
	}
	if missing != nil {
		return fmt.Errorf("--identity %s needs %s", c.Identity, strings.Join(missing, ", "))
	}
	if c.SMS == "tencent" || c.Identity == "tencent" {
		if c.TencentCloudRegion == "" || strings.ContainsAny(c.TencentCloudRegion, " /:") {
			return fmt.Errorf("--tencentcloud-region %q: give a region such as ap-guangzhou", c.TencentCloudRegion)
		}
	}
	for _, f := range []struct{ name, v string }{{"--sms-url", c.SMSURL}, {"--identity-url", c.IdentityURL}} {
		if f.v == "" {
			continue
		}
		if u, err := url.Parse(f.v); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Errorf("%s %q must be an http:// or https:// URL", f.name, f.v)
		}
		if c.Production && !strings.HasPrefix(f.v, "https://") {
			return fmt.Errorf("%s %q: a live installation speaks to its providers over https only", f.name, f.v)
		}
	}
	return nil
}

// productionRefusals are the settings a live installation must not run
// with that the configuration alone shows, one line each, naming the fix.
// What needs the disk or the database (the keys folder after resolving its
// links, a recorded backup of the keys) serve checks before it listens.
func (c *Config) productionRefusals() error {
	if !strings.HasPrefix(c.PublicURL, "https://") {
		return fmt.Errorf("--production needs --public-url https://… (now %q): donors, staff and WeChat reach a live installation over TLS only; put a TLS proxy in front and give its address", c.PublicURL)
	}
	keys, data := filepath.Clean(c.KeysFolder()), filepath.Clean(c.DataDir)
	if rel, err := filepath.Rel(data, keys); c.KeysDir == "" || (err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))) {
		return fmt.Errorf("--production with the keys folder %s inside the data folder %s: a copy of the data folder would decrypt itself; give --keys-dir (%s) a folder outside it, e.g. /etc/carefund/keys, move the key files there (mkdir -m 700 DIR && mv %s/*.key DIR/), then back it up with carefund keys backup",
			keys, data, EnvName("keys-dir"), keys)
	}
	return nil
}

func checkAddr(flagName, addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%s %q is not host:port (for example 127.0.0.1:8080)", flagName, addr)
	}
	if host != "" && net.ParseIP(host) == nil && strings.ContainsAny(host, " /") {
		return fmt.Errorf("%s %q: bad host", flagName, addr)
	}
	if _, err := net.LookupPort("tcp", port); err != nil {
		return fmt.Errorf("%s %q: bad port", flagName, addr)
	}
	return nil
}

// Proxies parses --trusted-proxies.
func (c *Config) Proxies() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for part := range strings.SplitSeq(c.TrustedProxies, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if !strings.Contains(part, "/") {
			addr, err := netip.ParseAddr(part)
			if err != nil {
				return nil, fmt.Errorf("--trusted-proxies: %q is not an address or CIDR range", part)
			}
			out = append(out, netip.PrefixFrom(addr.Unmap(), addr.Unmap().BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(part)
		if err != nil {
			return nil, fmt.Errorf("--trusted-proxies: %q is not an address or CIDR range", part)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// DatabaseDSN returns the database to use: --database, or the SQLite file in
// the data folder.
func (c *Config) DatabaseDSN() string {
	if c.Database != "" {
		return c.Database
	}
	return store.SQLiteLocation(filepath.Join(c.DataDir, "carefund.db"))
}

// KeysFolder returns where the secret keys live: --keys-dir, or keys/ in the
// data folder.
func (c *Config) KeysFolder() string {
	if c.KeysDir != "" {
		return c.KeysDir
	}
	return filepath.Join(c.DataDir, "keys")
}

// Print writes the effective configuration, one setting a line with where it
// came from, and the database password redacted. Secret keys are files in the
// data folder and only their folder is shown.
func (c *Config) Print(w io.Writer, fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		v := f.Value.String()
		if f.Name == "database" {
			v = store.RedactURL(c.DatabaseDSN())
		}
		fmt.Fprintf(w, "%-17s %-40s # %s, %s\n", f.Name, v, c.source[f.Name], EnvName(f.Name))
	})
	fmt.Fprintf(w, "%-17s %-40s # generated on first start, mode 0600, never printed\n", "(keys)", c.KeysFolder())
}

// Witnesses is the repeatable --log-witness: each value is URL=VKEY, and
// one value may hold several separated by spaces (as the environment
// variable does).
type Witnesses []witness.Witness

// String shows the witnesses as configured, their addresses without any
// user or password.
func (ws *Witnesses) String() string {
	if ws == nil {
		return ""
	}
	var parts []string
	for _, w := range *ws {
		u := w.URL
		if pu, err := url.Parse(u); err == nil && pu.User != nil {
			pu.User = nil
			u = pu.String()
		}
		parts = append(parts, u+"="+w.Key.String())
	}
	return strings.Join(parts, " ")
}

// Set adds the witnesses of v.
func (ws *Witnesses) Set(v string) error {
	for f := range strings.FieldsSeq(v) {
		w, err := witness.ParseWitness(f)
		if err != nil {
			return err
		}
		*ws = append(*ws, w)
	}
	return nil
}

// validateWitnesses refuses two witnesses of one name (their cosignature
// lines could not be told apart) and, in production, a witness reached
// without TLS.
func (c *Config) validateWitnesses() error {
	seen := map[string]bool{}
	for _, w := range c.LogWitnesses {
		if seen[w.Name()] {
			return fmt.Errorf("--log-witness: two witnesses named %s; give each witness once", w.Name())
		}
		seen[w.Name()] = true
		if c.Production && !strings.HasPrefix(w.URL, "https://") {
			return fmt.Errorf("--log-witness %s: a live installation speaks to witnesses over https only", w.URL)
		}
	}
	return nil
}

// validateWeChat checks the official account's flags: an AppSecret needs
// the appid, its endpoints must be URLs (https only in production), and a
// live installation that takes WeChat Pay needs the official account, for
// inside WeChat's browser H5 payment does not work.
func (c *Config) validateWeChat() error {
	for _, f := range []struct{ name, v string }{{"--wechat-api-url", c.WeChatAPIURL}, {"--wechat-oauth-url", c.WeChatOAuthURL}} {
		if u, err := url.Parse(f.v); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Errorf("%s %q must be an http:// or https:// URL", f.name, f.v)
		}
		if c.Production && !strings.HasPrefix(f.v, "https://") {
			return fmt.Errorf("%s %q: a live installation speaks to WeChat over https only", f.name, f.v)
		}
	}
	if c.WeChatAppSecretFile != "" && strings.TrimSpace(c.WeChatAppID) == "" {
		return errors.New("the official account's AppSecret file needs --wechatpay-appid, the official account's appid")
	}
	if c.Production && c.Payment == "wechatpay" && c.WeChatAppSecretFile == "" {
		return errors.New("--production with --payment wechatpay needs --wechat-appsecret-file: inside WeChat donors can pay only with JSAPI, which needs the official account")
	}
	return nil
}

// The demonstration complaint channels: a number and an address that
// reach nobody, for an installation that has not configured its own.
const (
	DemoComplaintPhone = "400-000-0000"
	DemoComplaintEmail = "complaints@carefund.example"
)

// validateComplaints checks the published complaint channels: a phone
// number of digits, spaces and dashes, and an e-mail address.
func (c *Config) validateComplaints() error {
	digits := 0
	for _, r := range c.ComplaintPhone {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '-' || r == ' ' || r == '+' || r == '(' || r == ')':
		default:
			return fmt.Errorf("--complaint-phone %q: give a phone number of digits, spaces and dashes", c.ComplaintPhone)
		}
	}
	if digits < 5 || digits > 20 {
		return fmt.Errorf("--complaint-phone %q: give a phone number of 5 to 20 digits", c.ComplaintPhone)
	}
	local, domain, ok := strings.Cut(c.ComplaintEmail, "@")
	if !ok || local == "" || !strings.Contains(domain, ".") || strings.ContainsAny(c.ComplaintEmail, " <>\"\t\n") || len(c.ComplaintEmail) > 254 {
		return fmt.Errorf("--complaint-email %q: give an e-mail address", c.ComplaintEmail)
	}
	return nil
}
