package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/carefund/carefund/internal/complaint"
	"github.com/carefund/carefund/internal/config"
	"github.com/carefund/carefund/internal/demo"
	"github.com/carefund/carefund/internal/jobs"
	"github.com/carefund/carefund/internal/keyring"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/payment"
	"github.com/carefund/carefund/internal/platform"
	"github.com/carefund/carefund/internal/refund"
	"github.com/carefund/carefund/internal/server"
	"github.com/carefund/carefund/internal/store"
)

func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) (err error) {
	cfg, _, err := parseConfig("serve", args, getenv)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	if cfg.Production {
		// Before anything is taken or created: a refused start leaves
		// nothing behind.
		if err := productionChecks(ctx, cfg); err != nil {
			return err
		}
	}

	// Take the ports first: they are the likeliest to be taken, and nothing
	// has been created yet.
	ln, err := listen("--addr", cfg.Addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	var metricsLn net.Listener
	if cfg.MetricsAddr != "" {
		if metricsLn, err = listen("--metrics-addr", cfg.MetricsAddr); err != nil {
			return err
		}
		defer metricsLn.Close()
	}

	db, keys, undo, err := prepare(ctx, cfg, log)
	if err != nil {
		return err
	}
	started := false
	defer func() {
		db.Close()
		if !started {
			undo()
		}
	}()

	proxies, _ := cfg.Proxies() // checked by Validate
	publicURL := strings.TrimSuffix(cfg.PublicURL, "/")
	if publicURL == "" {
		publicURL = strings.TrimSuffix(httpURL(ln.Addr()), "/")
	}
	payments, merchants, err := paymentProviders(cfg, keys, publicURL, log, refund.SandboxBook{DB: db})
	if err != nil {
		return err
	}
	custody, err := custodyBank(cfg)
	if err != nil {
		return err
	}
	sender, verifier, err := cloudProviders(cfg, log)
	if err != nil {
		return err
	}
	officialAccount, err := weChatOfficialAccount(cfg)
	if err != nil {
		return err
	}
	// The sandboxes' notifications stop first, then the platform's writers
	// (ledger, orders), after serving and the jobs have stopped and before
	// the database closes.
	p, err := platform.New(ctx, platform.Config{DB: db, Keys: keys, Logger: log, SMS: sender, Verifier: verifier,
		PublicURL: publicURL, ReportFont: cfg.ReportFont, Payments: payments, Merchants: merchants, DonationMax: money.Fen(cfg.DonationMax) * 100,
		FundraisingPeriod: time.Duration(cfg.FundraisingDays) * 24 * time.Hour,
		RetentionYears:    cfg.RetentionYears,
		Bank:              custody, CustodyAccount: cfg.CustodyAccount, WeChat: officialAccount,
		Witnesses: cfg.LogWitnesses, ComplaintChannels: complaint.Channels{Phone: cfg.ComplaintPhone, Email: cfg.ComplaintEmail}})
	if err != nil {
		return err
	}
	defer p.Close()
	for _, pr := range payments {
		if sb, ok := pr.(*payment.Sandbox); ok {
			defer sb.Close()
		}
	}
	var demoPage *server.Demo
	if cfg.Demo {
		demoPage = demoStaff()
	}
	srv, err := server.New(server.Options{Platform: p, Logger: log, Version: version,
		HTTPS: strings.HasPrefix(cfg.PublicURL, "https://"), DevPages: !cfg.Production, TrustedProxies: proxies,
		Demo: demoPage, PageCacheTTL: cfg.PageCache})
	if err != nil {
		return err
	}
	if cfg.Demo {
		loaded, err := demo.Load(ctx, db, p.Sealer, p.Vault, p.Donations)
		if err != nil {
			return fmt.Errorf("loading the demo data: %w", err)
		}
		refunded, err := demo.LoadRefunds(ctx, p)
		if err != nil {
			return fmt.Errorf("loading the demo refunds: %w", err)
		}
		loaded = loaded || refunded
		log.Info("demo data", "loaded_now", loaded)
	}
	started = true

	fmt.Fprintf(stdout, "carefund is running at %s\n", httpURL(ln.Addr()))
	if cfg.Demo {
		var names []string
		for _, a := range demo.StaffAccounts() {
			names = append(names, a.Username)
		}
		fmt.Fprintf(stdout, "demo staff console at %sstaff/signin: %s, password %s, codes at %sdev/sms\n",
			httpURL(ln.Addr()), strings.Join(names, ", "), demo.StaffPassword, httpURL(ln.Addr()))
	}
	if metricsLn != nil {
		fmt.Fprintf(stdout, "metrics at %smetrics\n", httpURL(metricsLn.Addr()))
	}
	log.Info("serving", "addr", ln.Addr().String(), "database", db.String(), "version", version)

	// Serve until ctx is done; if either listener fails, stop the other too.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// The background jobs run on one node of the installation (package
	// jobs); they stop before the platform and the database close.
	var leader jobs.Leader // SQLite: this process is the installation
	if db.Dialect() == store.Postgres {
		leader = &jobs.AdvisoryLock{DSN: cfg.DatabaseDSN(), Logger: log}
	}
	runner := jobs.New(jobs.Platform(p, srv.PublicChanged), jobs.Options{Leader: leader, Logger: log, Metrics: p.Metrics})
	jobsDone := make(chan struct{})
	go func() { defer close(jobsDone); runner.Run(ctx) }()
	defer func() { cancel(); <-jobsDone }()
	errc := make(chan error, 2)
	go func() { errc <- server.Serve(ctx, ln, srv.Handler(), cfg.ShutdownTimeout, log); cancel() }()
	n := 1
	if metricsLn != nil {
		n++
		go func() { errc <- server.Serve(ctx, metricsLn, srv.MetricsHandler(), cfg.ShutdownTimeout, log); cancel() }()
	}
	var errs []error
	for range n {
		errs = append(errs, <-errc)
	}
	log.Info("stopped")
	return errors.Join(errs...)
}

// demoStaff is what the development page shows of the demonstration staff
// accounts (--demo): their password, and their codes made from their
// secrets.
func demoStaff() *server.Demo {
	d := &server.Demo{Password: demo.StaffPassword}
	for _, a := range demo.StaffAccounts() {
		d.Staff = append(d.Staff, server.DemoStaff{Username: a.Username, Role: string(a.Role), Secret: demo.Secret(a.Username)})
	}
	return d
}

func listen(flagName, addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		hint := "check the address"
		if errors.Is(err, syscallEADDRINUSE) {
			hint = "another program uses it; stop it or choose another address"
		}
		return nil, badInput(fmt.Errorf("cannot listen on %s: %v; %s with %s or %s",
			addr, err, hint, flagName, config.EnvName(strings.TrimPrefix(flagName, "--"))))
	}
	return ln, nil
}

func httpURL(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if ok && tcp.IP.IsUnspecified() {
		return fmt.Sprintf("http://localhost:%d/", tcp.Port)
	}
	return "http://" + a.String() + "/"
}

// prepare readies the data folder, the database and the secret keys. If it
// fails, or if the caller later calls undo (after closing the database),
// everything it created is removed again, so a failed first start leaves
// nothing half-made behind.
func prepare(ctx context.Context, cfg *config.Config, log *slog.Logger) (db *store.DB, keys *keyring.Keys, undo func(), err error) {
	var created []string
	rollback := func() {
		for i := len(created) - 1; i >= 0; i-- {
			os.RemoveAll(created[i])
		}
	}
	defer func() {
		if err != nil {
			if db != nil {
				db.Close()
				db = nil
			}
			rollback()
		}
	}()
	track := func(made string, err error) error {
		if made != "" {
			created = append(created, made)
		}
		return err
	}
	dsn := cfg.DatabaseDSN()
	dbMade := false // undo removes the database too
	// On PostgreSQL, check the database before creating anything.
	if store.IsPostgres(dsn) {
		if db, err = openChecked(ctx, dsn); err != nil {
			return nil, nil, nil, err
		}
	}
	for _, dir := range []string{cfg.DataDir, filepath.Join(cfg.DataDir, "uploads")} {
		if err := track(makeDir(dir)); err != nil {
			return nil, nil, nil, badInput(fmt.Errorf("cannot use data folder %s: %v; choose another with --data-dir or %s",
				cfg.DataDir, err, config.EnvName("data-dir")))
		}
	}
	if !store.IsPostgres(dsn) {
		path, _, err := store.SQLitePath(dsn)
		if err != nil {
			return nil, nil, nil, badInput(err)
		}
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			created = append(created, path, path+"-wal", path+"-shm")
			dbMade = true
		}
		if db, err = openChecked(ctx, dsn); err != nil {
			return nil, nil, nil, err
		}
	}
	applied, err := db.Migrate(ctx)
	if err != nil {
		return nil, nil, nil, badInput(err)
	}
	if len(applied) > 0 {
		log.Info("migrated", "applied", applied)
	}
	_, hadKeys, err := db.Meta(ctx, "key_fingerprint")
	if err != nil {
		return nil, nil, nil, err
	}
	if keys, err = checkKeys(ctx, cfg, db, track); err != nil {
		return nil, nil, nil, err
	}
	if !hadKeys && !dbMade {
		// The database, which undo leaves alone, now names these new keys
		// and will hold data under them: undo must never delete them.
		created = nil
	}
	return db, keys, rollback, nil
}

// checkKeys loads the secret keys, generating them only for a database that
// has never had any, and refuses keys other than the ones the database was
// first started with: data encrypted under the old keys would be unreadable.
func checkKeys(ctx context.Context, cfg *config.Config, db *store.DB, track func(string, error) error) (*keyring.Keys, error) {
	dir := cfg.KeysFolder()
	want, known, err := db.Meta(ctx, "key_fingerprint")
	if err != nil {
		return nil, err
	}
	if !known {
		if err := track(firstMissing(dir)); err != nil {
			return nil, badInput(fmt.Errorf("secret keys folder %s: %v", dir, err))
		}
	}
	if known {
		// A rotation cut short (carefund keys rotate) is finished or
		// undone before the keys are read.
		if _, _, err := finishRotation(ctx, db, dir); err != nil {
			return nil, badInput(fmt.Errorf("secret keys: %w", err))
		}
	}
	keys, err := keyring.Load(dir, !known)
	switch {
	case errors.Is(err, keyring.ErrNoKeys):
		return nil, badInput(fmt.Errorf("this database was set up with secret keys that are not in %s; restore that folder from a backup, or point --keys-dir (%s) at it",
			dir, config.EnvName("keys-dir")))
	case err != nil:
		return nil, badInput(fmt.Errorf("secret keys: %w", err))
	case known && keys.Fingerprint() != want:
		return nil, badInput(fmt.Errorf("the secret keys in %s are not the ones this database was set up with; restore the right folder from a backup, or point --keys-dir (%s) at it",
			dir, config.EnvName("keys-dir")))
	case !known:
		return keys, db.Write(ctx, func(tx *store.Tx) error { return tx.SetMeta(ctx, "key_fingerprint", keys.Fingerprint()) })
	}
	return keys, nil
}

// openChecked opens the database and refuses one that could lose committed
// transactions.
func openChecked(ctx context.Context, dsn string) (*store.DB, error) {
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return nil, badInput(fmt.Errorf("%w; check --database or %s", err, config.EnvName("database")))
	}
	if err := db.CheckDurability(ctx); err != nil {
		db.Close()
		return nil, badInput(fmt.Errorf("refusing to start: %w", err))
	}
	return db, nil
}

// firstMissing returns the topmost folder of path that does not exist yet,
// or "" if path exists: what creating path creates, and undoing removes.
func firstMissing(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	first := ""
	for p := abs; ; p = filepath.Dir(p) {
		_, err := os.Lstat(p)
		if err == nil {
			return first, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			// Not knowing is not the same as missing: never undo what
			// might exist.
			return "", unwrapPath(err)
		}
		first = p
		if filepath.Dir(p) == p {
			return first, nil
		}
	}
}

// makeDir creates dir (mode 0700) and any missing parents, checks that it can
// write there, and returns the topmost folder it created, for undoing.
func makeDir(dir string) (created string, err error) {
	if created, err = firstMissing(dir); err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return created, unwrapPath(err)
	}
	probe, err := os.CreateTemp(dir, ".write-test-*")
	if err != nil {
		return created, unwrapPath(err)
	}
	probe.Close()
	return created, os.Remove(probe.Name())
}

// unwrapPath drops the path from a *PathError; the message names it already.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// newLogger logs as text when stderr is a terminal and as JSON otherwise
// (a service manager, a container), unless --log-format says.
func newLogger(cfg *config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	format := cfg.LogFormat
	if format == "auto" {
		format = "json"
		if f, ok := w.(*os.File); ok {
			if info, err := f.Stat(); err == nil && info.Mode()&os.ModeCharDevice != 0 {
				format = "text"
			}
		}
	}
	if format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}
