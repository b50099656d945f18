package main

import (
	"crypto/rsa"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/carefund/carefund/internal/bank"
	"github.com/carefund/carefund/internal/bank/iso20022"
	"github.com/carefund/carefund/internal/config"
	"github.com/carefund/carefund/internal/keyring"
	"github.com/carefund/carefund/internal/payment"
	"github.com/carefund/carefund/internal/payment/wechatpay"
	"github.com/carefund/carefund/internal/platform"
	"github.com/carefund/carefund/internal/wechat"
)

// paymentProviders builds the payment provider --payment names, with our
// merchant id at it. The sandbox signs with --sandbox-key-file, or with a
// key derived from the secret keys; WeChat Pay reads its keys and
// certificates from the files its flags name.
//
// book keeps the sandbox's refunds (refund.SandboxBook on the database in
// serve), so that it refunds a payment it took before a restart, or one
// the demonstration data confirmed, as a provider would; nil keeps them in
// memory for the process only.
func paymentProviders(cfg *config.Config, keys *keyring.Keys, publicURL string, log *slog.Logger, book payment.SandboxRefundBook) ([]payment.Provider, map[string]string, error) {
	switch cfg.Payment {
	case "wechatpay":
		c, err := weChatPay(cfg)
		if err != nil {
			return nil, nil, badInput(err)
		}
		return []payment.Provider{c}, map[string]string{c.Name(): cfg.WeChatMchID}, nil
	default:
		key := platform.SandboxKey(keys)
		if cfg.SandboxKeyFile != "" {
			b, err := os.ReadFile(cfg.SandboxKeyFile)
			if err != nil {
				return nil, nil, badInput(fmt.Errorf("--sandbox-key-file: %v", unwrapPath(err)))
			}
			key = []byte(strings.TrimSpace(string(b)))
			if len(key) < payment.MinSandboxKey {
				return nil, nil, badInput(fmt.Errorf("--sandbox-key-file holds %d bytes; the key needs at least %d", len(key), payment.MinSandboxKey))
			}
		}
		sb := payment.NewSandbox(payment.SandboxConfig{Key: key, BaseURL: publicURL, Merchant: "sandbox", Logger: log, RefundBook: book})
		return []payment.Provider{sb}, map[string]string{"sandbox": "sandbox"}, nil
	}
}

// weChatPay reads WeChat Pay's configuration files and returns its client.
func weChatPay(cfg *config.Config) (*wechatpay.Client, error) {
	read := func(flagName, path string) ([]byte, error) {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", flagName, unwrapPath(err))
		}
		return b, nil
	}
	privateKey, err := read("--wechatpay-key-file", cfg.WeChatKeyFile)
	if err != nil {
		return nil, err
	}
	apiKey, err := read("--wechatpay-apiv3-key-file", cfg.WeChatAPIv3KeyFile)
	if err != nil {
		return nil, err
	}
	platform := map[string]*rsa.PublicKey{}
	for f := range strings.SplitSeq(cfg.WeChatPlatformCerts, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		b, err := read("--wechatpay-platform-certs", f)
		if err != nil {
			return nil, err
		}
		serial, key, err := wechatpay.ParseCertificate(b)
		if err != nil {
			return nil, fmt.Errorf("--wechatpay-platform-certs %s: %v", f, err)
		}
		platform[serial] = key
	}
	if cfg.WeChatPublicKeyFile != "" {
		b, err := read("--wechatpay-public-key-file", cfg.WeChatPublicKeyFile)
		if err != nil {
			return nil, err
		}
		key, err := wechatpay.ParsePublicKey(b)
		if err != nil {
			return nil, fmt.Errorf("--wechatpay-public-key-file: %v", err)
		}
		platform[cfg.WeChatPublicKeyID] = key
	}
	c, err := wechatpay.New(wechatpay.Config{MchID: cfg.WeChatMchID, AppID: cfg.WeChatAppID, PrivateKey: privateKey,
		CertSerial: cfg.WeChatCertSerial, APIv3Key: strings.TrimSpace(string(apiKey)), PlatformKeys: platform,
		BaseURL: strings.TrimSuffix(cfg.WeChatURL, "/")})
	if err != nil {
		return nil, fmt.Errorf("--payment wechatpay: %v", err)
	}
	return c, nil
}

// custodyBank builds the custody bank --bank names: nil for the sandbox,
// which the platform makes on its database, or the file adapter on the
// folders the bank's gateway shares, which must exist: a gateway that was
// never mounted must stop the start, not swallow payment files.
func custodyBank(cfg *config.Config) (bank.Bank, error) {
	if cfg.Bank != "files" {
		return nil, nil
	}
	for _, f := range []struct{ name, dir string }{{"--bank-outbox", cfg.BankOutbox}, {"--bank-inbox", cfg.BankInbox}} {
		info, err := os.Stat(f.dir)
		if err != nil {
			return nil, badInput(fmt.Errorf("%s %s: %v; give the folder the custody bank's gateway shares", f.name, f.dir, unwrapPath(err)))
		}
		if !info.IsDir() {
			return nil, badInput(fmt.Errorf("%s %s is not a folder", f.name, f.dir))
		}
	}
	return &bank.Files{Outbox: cfg.BankOutbox, Inbox: cfg.BankInbox,
		Debtor: iso20022.Party{Name: custodyHolder, Account: iso20022.Account{ID: cfg.CustodyAccount},
			Bank: iso20022.Agent{Name: "custody bank"}}}, nil
}

// custodyHolder names the custody account's holder in the payment files;
// the bank checks the account number, not this name.
const custodyHolder = "carefund custody account"

// weChatOfficialAccount reads the official account's AppSecret from
// --wechat-appsecret-file and returns its API client, or nil when no
// official account is configured.
func weChatOfficialAccount(cfg *config.Config) (*wechat.Client, error) {
	if cfg.WeChatAppSecretFile == "" {
		return nil, nil
	}
	b, err := os.ReadFile(cfg.WeChatAppSecretFile)
	if err != nil {
		return nil, badInput(fmt.Errorf("--wechat-appsecret-file: %v", unwrapPath(err)))
	}
	secret := strings.TrimSpace(string(b))
	if len(secret) < 16 || strings.ContainsAny(secret, " \t\r\n") {
		return nil, badInput(fmt.Errorf("--wechat-appsecret-file: the file must hold the AppSecret alone, one line of at least 16 characters"))
	}
	return &wechat.Client{AppID: cfg.WeChatAppID, Secret: secret, APIURL: strings.TrimSuffix(cfg.WeChatAPIURL, "/"),
		OAuthURL: strings.TrimSuffix(cfg.WeChatOAuthURL, "/")}, nil
}
