package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/account"
	"github.com/carefund/carefund/internal/config"
	"github.com/carefund/carefund/internal/idcard"
	"github.com/carefund/carefund/internal/identity"
	"github.com/carefund/carefund/internal/sms"
	"github.com/carefund/carefund/internal/tencentcloud/tencentcloudtest"
)

// TestCloudProviders: --sms tencent and --identity tencent build the
// Tencent sender and verifier from the key file, pointed at --sms-url and
// --identity-url, and they work against the fake; a malformed key file is
// refused without quoting it.
func TestCloudProviders(t *testing.T) {
	f := tencentcloudtest.New(t)
	f.AddPerson("张三", "110101199003074477")
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "tc.secret")
	os.WriteFile(keyFile, []byte(tencentcloudtest.SecretID+"\n"+tencentcloudtest.SecretKey+"\n"), 0o600)
	var cfg config.Config
	fs := cfg.FlagSet("serve")
	err := cfg.Parse(fs, []string{"--sms", "tencent", "--sms-sign-name", tencentcloudtest.SignName, "--sms-template", tencentcloudtest.Template,
		"--sms-app-id", tencentcloudtest.AppID, "--sms-url", f.URL, "--identity", "tencent", "--identity-url", f.URL,
		"--tencentcloud-secret-file", keyFile}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	sender, verifier, err := cloudProviders(&cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := sender.(*sms.Tencent); !ok {
		t.Fatalf("sender %T", sender)
	}
	if _, ok := verifier.(identity.Tencent); !ok {
		t.Fatalf("verifier %T", verifier)
	}
	if err := sender.Send(context.Background(), "13800138000", "123456"); err != nil {
		t.Fatal(err)
	}
	if code, _ := f.LastCode("13800138000"); code != "123456" {
		t.Fatalf("code %q", code)
	}
	id, _ := idcard.Parse("110101199003074477", time.Now())
	if ok, _, err := verifier.Verify(context.Background(), "张三", id); !ok || err != nil {
		t.Fatalf("verify: %v %v", ok, err)
	}

	os.WriteFile(keyFile, []byte("only-one-line-SECRETVALUE\n"), 0o600)
	_, _, err = cloudProviders(&cfg, nil)
	if err == nil || strings.Contains(err.Error(), "SECRETVALUE") {
		t.Fatalf("malformed key file: %v", err)
	}
	var def config.Config
	def.Parse(def.FlagSet("serve"), nil, func(string) string { return "" })
	sender, verifier, err = cloudProviders(&def, nil)
	if _, ok := sender.(*account.LogSender); !ok || verifier.Name() != "sandbox" || err != nil {
		t.Fatalf("defaults: %T %s %v", sender, verifier.Name(), err)
	}
}
