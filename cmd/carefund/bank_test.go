package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/bank"
	"github.com/carefund/carefund/internal/config"
)

// TestCustodyBank: --bank files connects the file adapter to the folders
// the bank's gateway shares, on the custody account; a folder that is not
// there stops the start with the flag named; the sandbox is the
// platform's own.
func TestCustodyBank(t *testing.T) {
	dir := t.TempDir()
	parse := func(args ...string) *config.Config {
		t.Helper()
		var c config.Config
		if err := c.Parse(c.FlagSet("serve"), args, func(string) string { return "" }); err != nil {
			t.Fatal(err)
		}
		return &c
	}
	if b, err := custodyBank(parse()); err != nil || b != nil {
		t.Errorf("the default bank: %v, %v; want nil (the platform's sandbox)", b, err)
	}
	missing := filepath.Join(dir, "no-such-folder")
	_, err := custodyBank(parse("--bank", "files", "--bank-outbox", dir, "--bank-inbox", missing, "--custody-account", "6216610000000000001"))
	if err == nil || !strings.Contains(err.Error(), "--bank-inbox") {
		t.Errorf("a missing inbox: %v", err)
	}
	out, in := t.TempDir(), t.TempDir()
	b, err := custodyBank(parse("--bank", "files", "--bank-outbox", out, "--bank-inbox", in, "--custody-account", "6216610000000000001"))
	if err != nil {
		t.Fatal(err)
	}
	f, ok := b.(*bank.Files)
	if !ok || f.Outbox != out || f.Inbox != in || f.Debtor.Account.ID != "6216610000000000001" {
		t.Errorf("the file adapter: %+v", b)
	}
}
