package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/user"
	"strings"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/config"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/keyring"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/vault"
)

// stdin is what --password-stdin reads; tests replace it.
var stdin io.Reader = os.Stdin

// adminOptions are the flags of `carefund admin create` beyond the
// configuration's.
type adminOptions struct {
	username      string
	role          string
	passwordStdin bool
}

// adminFlags returns the flag set of `carefund admin create`: where the
// database and keys are, and the account to make.
func adminFlags(cfg *config.Config, o *adminOptions) *flag.FlagSet {
	fs := cfg.FlagSet("admin")
	fs.StringVar(&o.username, "username", "", "`name` of the new staff account: 3 to 32 of a-z 0-9 . _ -")
	fs.StringVar(&o.role, "role", "", "`role` of the new account: "+roleNames())
	fs.BoolVar(&o.passwordStdin, "password-stdin", false, "read the password from the first line of standard input instead of generating one")
	return fs
}

// runAdmin manages staff accounts from the command line: create makes the
// first security admin of an installation (and any account after that,
// privileged ones waiting for a second person's approval in the console);
// unlock lifts a sign-in lockout. Both are in the audit log, under
// "cli:<os user>".
func runAdmin(ctx context.Context, args []string, getenv func(string) string, stdout, _ io.Writer) error {
	if len(args) == 0 {
		return badInput(errors.New("admin needs a subcommand: carefund admin create --username NAME --role ROLE, or carefund admin unlock USERNAME"))
	}
	switch args[0] {
	case "-h", "-help", "--help":
		return flag.ErrHelp
	case "create":
	case "unlock":
		return runAdminUnlock(ctx, args[1:], getenv, stdout)
	default:
		return badInput(fmt.Errorf("unknown admin subcommand %q; use: carefund admin create --username NAME --role ROLE, or carefund admin unlock USERNAME", args[0]))
	}
	var cfg config.Config
	var o adminOptions
	fs := adminFlags(&cfg, &o)
	if err := cfg.Parse(fs, args[1:], getenv); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return badInput(err)
	}
	if o.username == "" {
		return badInput(errors.New("--username is required; see 'carefund help admin'"))
	}
	if o.role == "" {
		return badInput(fmt.Errorf("--role is required: one of %s", roleNames()))
	}
	role, err := staff.ParseRole(o.role)
	if err != nil {
		return badInput(fmt.Errorf("--role %q is not a role; use one of %s", o.role, roleNames()))
	}
	password, generated := "", !o.passwordStdin
	if generated {
		// 20 base32 characters: 100 random bits.
		password = rand.Text()[:20]
	} else if password, err = readPassword(stdin); err != nil {
		return badInput(err)
	}

	db, err := openCurrent(ctx, &cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	sealer, err := loadSealer(ctx, &cfg, db)
	if err != nil {
		return err
	}
	svc := &staff.Service{DB: db, Sealer: sealer}
	c, err := svc.CreateAccount(ctx, cliRecord(getenv, "staff.create"), o.username, role, password)
	if code := apperr.CodeOf(err); code == apperr.Invalid || code == apperr.Conflict {
		return badInput(errors.New(describe(err)))
	} else if err != nil {
		return err
	}
	if c.Proposal != 0 {
		fmt.Fprintf(stdout, "created staff account %s (%s, role %s), pending approval\n", c.Username, c.Actor(), c.Role)
	} else {
		fmt.Fprintf(stdout, "created staff account %s (%s, role %s)\n", c.Username, c.Actor(), c.Role)
	}
	if generated {
		fmt.Fprintf(stdout, "password: %s\n", password)
	}
	fmt.Fprintf(stdout, "TOTP enrolment: %s\n", c.URI)
	fmt.Fprintln(stdout, "Scan the enrolment URI into an authenticator app now (as a QR code, or type in its secret): it is not shown again, and signing in needs a code from it.")
	if c.Proposal != 0 {
		fmt.Fprintf(stdout, "The account cannot sign in yet: this installation has a security admin, so a %s account made here needs a second person's approval. "+
			"Ask an admin or security admin to approve proposal %d on the console's approvals page (/staff/approvals).\n", c.Role, c.Proposal)
	}
	return nil
}

// runAdminUnlock lifts the sign-in lockout of the staff account USERNAME,
// recording it in the audit log.
func runAdminUnlock(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	// The username comes first, the flags after it.
	username := ""
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		username, args = args[0], args[1:]
	}
	var cfg config.Config
	fs := cfg.FlagSet("admin unlock")
	if err := cfg.Parse(fs, args, getenv); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return badInput(err)
	}
	if username == "" {
		return badInput(errors.New("admin unlock needs one username: carefund admin unlock USERNAME"))
	}
	db, err := openCurrent(ctx, &cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := &staff.Service{DB: db}
	m, err := svc.UnlockUsername(ctx, cliRecord(getenv, "staff.unlock"), username)
	if apperr.CodeOf(err) == apperr.NotFound {
		return badInput(fmt.Errorf("no staff account is named %q", username))
	} else if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "unlocked staff account %s (%s)\n", m.Username, m.Actor())
	return nil
}

// cliActor names whoever runs the command in the audit log: "cli:" and
// their operating-system user name (from the system, else $USER), reduced
// to a safe alphabet.
func cliActor(getenv func(string) string) string {
	name := ""
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	if name == "" {
		name = getenv("USER")
	}
	var b strings.Builder
	for _, c := range name {
		if b.Len() >= 64 {
			break
		}
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '.', c == '_', c == '-', c == '\\', c == '@':
			b.WriteRune(c)
		default:
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "cli:unknown"
	}
	return "cli:" + b.String()
}

// cliRecord is the audit record of a command-line action.
func cliRecord(getenv func(string) string, action string) audit.Record {
	return audit.Record{Actor: cliActor(getenv), Action: action, Result: audit.ResultOK, Source: "cli"}
}

// roleNames lists the roles for messages.
func roleNames() string {
	names := make([]string, len(staff.Roles))
	for i, r := range staff.Roles {
		names[i] = string(r)
	}
	return strings.Join(names, ", ")
}

// readPassword reads the first line of r, without its line ending.
func readPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(r, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("reading the password from standard input: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("--password-stdin: standard input holds no password")
	}
	return line, nil
}

// describe renders a user error in English on one line, naming the flag at
// fault.
func describe(err error) string {
	e := apperr.As(err)
	if len(e.Fields) == 0 {
		return i18n.T(i18n.EN, e.Key, e.Args...)
	}
	var parts []string
	for _, f := range e.Fields {
		name := "--" + f.Field
		if f.Field == "password" {
			name = "the password"
		}
		parts = append(parts, name+": "+i18n.T(i18n.EN, f.Key, f.Args...))
	}
	return strings.Join(parts, "; ")
}

// loadSealer loads the secret keys (loadKeys) and returns the sealer for
// staff secrets.
func loadSealer(ctx context.Context, cfg *config.Config, db *store.DB) (staff.Sealer, error) {
	keys, err := loadKeys(ctx, cfg, db)
	if err != nil {
		return nil, err
	}
	// The same data key the server opens staff secrets with.
	return staff.OpenSealer(ctx, db, vault.New(keys))
}

// loadKeys loads the secret keys, refusing any but the ones the database
// was set up with (a TOTP secret sealed under other keys could never be
// opened, a ledger entry committed under another key never proved).
func loadKeys(ctx context.Context, cfg *config.Config, db *store.DB) (*keyring.Keys, error) {
	dir := cfg.KeysFolder()
	want, known, err := db.Meta(ctx, "key_fingerprint")
	if err != nil {
		return nil, err
	}
	if !known {
		return nil, badInput(fmt.Errorf("%s has no secret keys yet; start the platform once with 'carefund serve' to set them up", db))
	}
	keys, err := keyring.Load(dir, false)
	switch {
	case errors.Is(err, keyring.ErrNoKeys):
		return nil, badInput(fmt.Errorf("no secret keys in %s; point --keys-dir (%s) at the installation's keys folder", dir, config.EnvName("keys-dir")))
	case err != nil:
		return nil, badInput(fmt.Errorf("secret keys: %w", err))
	case keys.Fingerprint() != want:
		return nil, badInput(fmt.Errorf("the secret keys in %s are not the ones this database was set up with; point --keys-dir (%s) at the right folder",
			dir, config.EnvName("keys-dir")))
	}
	return keys, nil
}
