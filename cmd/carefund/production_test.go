package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/store/storetest"
)

// productionArgs are the flags of a live installation: real payments and
// the official account, SMS and real-name checks by Tencent Cloud (the files
// need not exist for the configuration's checks), the custody bank's
// folders, an https address and a keys folder outside the data folder.
func productionArgs(dir string) []string {
	f := filepath.Join(dir, "secret")
	return []string{"--production", "--payment", "wechatpay", "--wechatpay-mchid", "1900000001", "--wechatpay-appid", "wx0000000000000001",
		"--wechatpay-cert-serial", "ABC", "--wechatpay-key-file", f, "--wechatpay-apiv3-key-file", f,
		"--wechatpay-public-key-file", f, "--wechatpay-public-key-id", "PUB_KEY_ID_0000",
		"--public-url", "https://carefund.example", "--bank", "files", "--bank-outbox", filepath.Join(dir, "out"),
		"--bank-inbox", filepath.Join(dir, "in"), "--custody-account", "6222000000000001", "--keys-dir", filepath.Join(dir, "keys"),
		"--wechat-appsecret-file", f, "--sms", "tencent", "--sms-sign-name", "善助", "--sms-template", "100001",
		"--sms-app-id", "1400000001", "--identity", "tencent", "--tencentcloud-secret-file", f}
}

// with replaces the value of a flag in args, or removes the flag when value
// is "-".
func with(args []string, name, value string) []string {
	out := []string{}
	for i := 0; i < len(args); i++ {
		if args[i] == name {
			if value != "-" {
				out = append(out, name, value)
			}
			i++
			continue
		}
		out = append(out, args[i])
	}
	if !strings.Contains(strings.Join(args, " "), name+" ") && value != "-" {
		out = append(out, name, value)
	}
	return out
}

// --production refuses, one line each naming the fix and exit 2, whatever
// a live installation must not run with that the configuration shows; it
// creates nothing.
func TestProductionRefusals(t *testing.T) {
	dir := t.TempDir()
	base := productionArgs(dir)
	data := filepath.Join(dir, "fresh", "data")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"SandboxPayments", with(base, "--payment", "sandbox"), "--payment sandbox would take no real money"},
		{"SandboxBank", with(base, "--bank", "sandbox"), "--bank sandbox would pay no real money"},
		{"HTTPPublicURL", with(base, "--public-url", "http://carefund.example"), "--public-url https://"},
		{"NoPublicURL", with(base, "--public-url", "-"), "--public-url https://"},
		{"KeysInDataFolderByDefault", with(base, "--keys-dir", "-"), "inside the data folder " + data},
		{"KeysInDataFolder", with(base, "--keys-dir", filepath.Join(data, "secret", "keys")), "give --keys-dir (CAREFUND_KEYS_DIR) a folder outside it"},
		{"Demo", append(base, "--demo"), "--demo with --production"},
		{"LogSMS", with(base, "--sms", "log"), "--production with --sms log"},
		{"SandboxIdentity", with(base, "--identity", "sandbox"), "--production with --identity sandbox"},
		{"HTTPSMSGateway", with(base, "--sms-url", "http://127.0.0.1:9"), "over https only"},
		{"HTTPIdentityProvider", with(base, "--identity-url", "http://127.0.0.1:9"), "over https only"},
		{"NoOfficialAccount", with(base, "--wechat-appsecret-file", "-"), "--wechat-appsecret-file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"serve", "--addr", "127.0.0.1:0", "--data-dir", data}, tt.args...)
			code, stdout, stderr := runCmd(t, env(), args...)
			if code != 2 {
				t.Errorf("exit %d, want 2", code)
			}
			if msg := strings.TrimSuffix(stderr, "\n"); strings.Contains(msg, "\n") || !strings.HasPrefix(msg, "carefund: ") || !strings.Contains(msg, tt.want) {
				t.Errorf("stderr %q, want one line mentioning %q", stderr, tt.want)
			}
			if strings.Contains(stdout, "running at") {
				t.Error("printed a URL although it did not start")
			}
			if _, err := os.Stat(filepath.Dir(data)); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("left %s behind (%v)", filepath.Dir(data), err)
			}
		})
	}
}

// The refusals of --production that need the disk and the database, which
// serve makes before it listens: keys linked into the data folder, no
// database yet, and keys without a recorded backup, again after a
// rotation. A start after 'carefund keys backup' passes them.
func TestProductionChecks(t *testing.T) {
	for _, d := range storetest.Databases(t) {
		t.Run(d.Name, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			data, keys := filepath.Join(dir, "data"), filepath.Join(dir, "keys")
			args := []string{"--data-dir", data, "--keys-dir", keys, "--database", d.DSN}
			check := func(want string, args ...string) {
				t.Helper()
				cfg, _, err := parseConfig("serve", args, env())
				if err != nil {
					t.Fatal(err)
				}
				err = productionChecks(ctx, cfg)
				switch {
				case want == "" && err != nil:
					t.Errorf("refused: %v", err)
				case want != "" && (err == nil || !strings.Contains(err.Error(), want) || exitCode(err, new(strings.Builder)) != 2):
					t.Errorf("got %v, want exit 2 and %q", err, want)
				}
			}
			if d.Name == "sqlite" {
				// R-PII-1: nothing is made to answer the question.
				check("no database at", args...)
				if _, err := os.Stat(data); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("made %s (%v)", data, err)
				}
			} else {
				check("the database is new", args...)
			}
			// keys backup sets a new installation up, as serve would.
			kb := filepath.Join(dir, "keys-backup")
			if code, out, stderr := runCmd(t, env(), append([]string{"keys", "backup", "--to", filepath.Join(dir, "kb0")}, args...)...); code != 0 {
				t.Fatalf("keys backup: %s%s", out, stderr)
			}
			check("", args...)
			if code, out, stderr := runCmd(t, env(), append([]string{"keys", "rotate"}, args...)...); code != 0 {
				t.Fatalf("keys rotate: %s%s", out, stderr)
			}
			check("no backup is recorded of the secret keys", args...)
			if code, out, stderr := runCmd(t, env(), append([]string{"keys", "backup", "--to", kb}, args...)...); code != 0 {
				t.Fatalf("keys backup: %s%s", out, stderr)
			}
			check("", args...)
			// The same keys, reached through a link into the data folder.
			if err := os.Rename(keys, filepath.Join(data, "keys")); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(filepath.Join(data, "keys"), keys); err != nil {
				t.Fatal(err)
			}
			check("once links are resolved", args...)
		})
	}
}
