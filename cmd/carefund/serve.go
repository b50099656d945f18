package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/carefund/carefund/internal/config"
	"github.com/carefund/carefund/internal/demo"
	"github.com/carefund/carefund/internal/keyring"
	"github.com/carefund/carefund/internal/server"
	"github.com/carefund/carefund/internal/store"
)

func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) (err error) {
	cfg, _, err := parseConfig("serve", args, getenv)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)

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

	db, undo, err := prepare(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer db.Close()
	started := false
	defer func() {
		if !started {
			undo()
		}
	}()

	if cfg.Demo {
		loaded, err := demo.Load(ctx, db)
		if err != nil {
			return fmt.Errorf("loading the demo data: %w", err)
		}
		log.Info("demo data", "loaded_now", loaded)
	}
	srv, err := server.New(server.Options{DB: db, Logger: log, Version: version})
	if err != nil {
		return err
	}
	started = true

	fmt.Fprintf(stdout, "carefund is running at %s\n", httpURL(ln.Addr()))
	if metricsLn != nil {
		fmt.Fprintf(stdout, "metrics at %smetrics\n", httpURL(metricsLn.Addr()))
	}
	log.Info("serving", "addr", ln.Addr().String(), "database", db.String(), "version", version)

	// Serve until ctx is done; if either listener fails, stop the other too.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
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

// prepare readies the data folder, the keys and the database. If it fails,
// or if the caller later calls undo, everything it created is removed again,
// so a failed first start leaves nothing half-made behind.
func prepare(ctx context.Context, cfg *config.Config, log *slog.Logger) (db *store.DB, undo func(), err error) {
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
	// On PostgreSQL, check the database before creating anything.
	if !isSQLite(cfg.DatabaseDSN()) {
		if db, err = openChecked(ctx, cfg.DatabaseDSN()); err != nil {
			return nil, nil, err
		}
	}
	for _, dir := range []string{cfg.DataDir, filepath.Join(cfg.DataDir, "uploads")} {
		made, err := makeDir(dir)
		created = append(created, made...)
		if err != nil {
			return nil, nil, badInput(fmt.Errorf("cannot use data folder %s: %v; choose another with --data-dir or %s",
				cfg.DataDir, err, config.EnvName("data-dir")))
		}
	}
	keysDir := filepath.Join(cfg.DataDir, "keys")
	if _, err := os.Stat(keysDir); errors.Is(err, os.ErrNotExist) {
		created = append(created, keysDir)
	}
	if _, err := keyring.Load(keysDir); err != nil {
		return nil, nil, badInput(fmt.Errorf("secret keys: %w", err))
	}
	if isSQLite(cfg.DatabaseDSN()) {
		path, _, err := store.SQLitePath(cfg.DatabaseDSN())
		if err != nil {
			return nil, nil, badInput(err)
		}
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			created = append(created, path, path+"-wal", path+"-shm")
		}
		if db, err = openChecked(ctx, cfg.DatabaseDSN()); err != nil {
			return nil, nil, err
		}
	}
	applied, err := db.Migrate(ctx)
	if err != nil {
		return nil, nil, badInput(err)
	}
	if len(applied) > 0 {
		log.Info("migrated", "applied", applied)
	}
	return db, rollback, nil
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

func isSQLite(dsn string) bool {
	return !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://")
}

// makeDir creates dir (mode 0700) and any missing parents, checks that it can
// write there, and returns the topmost folder it created, for undoing.
func makeDir(dir string) (created []string, err error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	first := ""
	for p := abs; ; p = filepath.Dir(p) {
		if _, err := os.Lstat(p); err == nil {
			break
		}
		first = p
		if filepath.Dir(p) == p {
			break
		}
	}
	if first != "" {
		created = []string{first}
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return created, unwrapPath(err)
	}
	probe, err := os.CreateTemp(abs, ".write-test-*")
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
