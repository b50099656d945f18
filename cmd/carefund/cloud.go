package main

import (
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/carefund/carefund/internal/account"
	"github.com/carefund/carefund/internal/aliyun"
	"github.com/carefund/carefund/internal/config"
	"github.com/carefund/carefund/internal/identity"
	"github.com/carefund/carefund/internal/sms"
	"github.com/carefund/carefund/internal/tencentcloud"
)

// cloudProviders builds the SMS sender and the real-name verifier that
// --sms and --identity name (checked by Validate), reading the key pairs
// from their files.
func cloudProviders(cfg *config.Config, log *slog.Logger) (account.Sender, account.Verifier, error) {
	var tc *tencentcloud.Client
	var ali *aliyun.Client
	if cfg.SMS == "tencent" || cfg.Identity == "tencent" {
		id, key, err := readKeyPair("--tencentcloud-secret-file", cfg.TencentCloudSecret)
		if err != nil {
			return nil, nil, err
		}
		tc = &tencentcloud.Client{SecretID: id, SecretKey: key, Region: cfg.TencentCloudRegion}
	}
	if cfg.SMS == "aliyun" || cfg.Identity == "aliyun" {
		id, key, err := readKeyPair("--aliyun-secret-file", cfg.AliyunSecret)
		if err != nil {
			return nil, nil, err
		}
		ali = &aliyun.Client{AccessKeyID: id, AccessKeySecret: key}
	}
	var sender account.Sender
	switch cfg.SMS {
	case "tencent":
		c := *tc
		c.Endpoint = cfg.SMSURL
		sender = &sms.Tencent{Client: &c, AppID: cfg.SMSAppID, SignName: cfg.SMSSignName, Template: cfg.SMSTemplate}
	case "aliyun":
		c := *ali
		c.Endpoint = cfg.SMSURL
		sender = &sms.Aliyun{Client: &c, SignName: cfg.SMSSignName, Template: cfg.SMSTemplate}
	default:
		sender = &account.LogSender{Log: log}
	}
	var verifier account.Verifier = account.SandboxVerifier{}
	switch cfg.Identity {
	case "tencent":
		c := *tc
		c.Endpoint = cfg.IdentityURL
		c.Region = "" // FaceID's IdCardVerification takes no region
		verifier = identity.Tencent{Client: &c}
	case "aliyun":
		c := *ali
		c.Endpoint = cfg.IdentityURL
		verifier = identity.Aliyun{Client: &c}
	}
	return sender, verifier, nil
}

// readKeyPair reads a file of two lines: the key id, then the secret. The
// error never quotes the file's content.
func readKeyPair(flag, path string) (id, secret string, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", "", fmt.Errorf("%s: %v", flag, err)
	}
	var lines []string
	for l := range strings.SplitSeq(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) != 2 {
		return "", "", fmt.Errorf("%s %s: the file must hold two lines, the key id and then the secret; it holds %d", flag, path, len(lines))
	}
	return lines[0], lines[1], nil
}
