package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// command is one subcommand.
type command struct {
	name, summary string
	run           func(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"serve", "run the platform", runServe},
		{"migrate", "bring the database schema up to date", runMigrate},
		{"verify", "check every invariant of the ledger, every donation against its ledger entry, and the audit log's hash chain against the heads logged in the transparency log", runVerify},
		{"reconcile", "reconcile a custody bank statement (and a settlement file) against the ledger: carefund reconcile --statement FILE [--bill FILE] --custody-account NUMBER", runReconcile},
		{"report", "the platform's reports and exports, audited: carefund report half-year 2026-h1 [--csv | --out FILE] (the six-monthly public report); carefund report annual 2025 --pdf FILE --csv FILE (the ministry's annual work and financial report, in a CJK font: --report-font FILE or the system's); carefund report export --out FOLDER (totals, every report, every request's public ledger)", runReport},
		{"admin", "create a staff account: carefund admin create --username NAME --role ROLE [--password-stdin] (admin, security_admin and finance accounts wait for approval in the console once there is a security admin); lift a sign-in lockout: carefund admin unlock USERNAME (both audited)", runAdmin},
		{"keys", "rotate the master key (carefund keys rotate re-wraps every data key under a new one; stop the platform first) or back the keys up (carefund keys backup --to FOLDER)", runKeys},
		{"backup", "back up the database and uploads while the platform runs: carefund backup --to FOLDER", runBackup},
		{"restore", "restore a backup onto a fresh data folder or empty database: carefund restore --from FOLDER --data-dir NEW [--keys-from KEYSBACKUP]", runRestore},
		{"bench", "measure a workload: carefund bench ledger|donate|log|page|reconcile|refund [--database URL] [--concurrency N] [--duration 10s]", runBench},
		{"log", "audit the platform's public transparency log from outside: carefund log verify URL [--key KEY] [--state FILE] [--witness KEY] checks the signed checkpoint, that the log only grew since the last audit, every entry, and every request's public money figures against the ledger entries; carefund log check-receipt FILE --key KEY checks a donor's receipt proof offline", runLog},
		{"conformance", "regenerate the conformance matrix from the source tree: docs/conformance.md and the auditor console's matrix list every rule, its source, what carefund does and the tests that prove it (--check only compares)", runConformance},
		{"config", "print the effective configuration, secrets redacted", runConfig},
		{"version", "print the version", runVersion},
		{"help", "explain a command: carefund help serve", runHelp},
	}
}

// run is the whole program, minus process concerns: main gives it the
// arguments, environment and output streams, tests give it their own.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		printUsage(stderr)
		return badInput(errors.New("no command given"))
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help":
		name = "help"
	case "-version", "--version":
		name = "version"
	}
	for _, c := range commands() {
		if c.name == name {
			err := c.run(ctx, args[1:], getenv, stdout, stderr)
			if errors.Is(err, flag.ErrHelp) {
				return runHelp(ctx, []string{name}, getenv, stdout, stderr)
			}
			return err
		}
	}
	return badInput(fmt.Errorf("unknown command %q; see 'carefund help'", args[0]))
}

// exitError carries the exit status for an error.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// badInput marks err as the user's to fix (a flag, the database, the data
// folder, the port): exit status 2.
func badInput(err error) error {
	if err == nil {
		return nil
	}
	return &exitError{code: 2, err: err}
}

// exitCode prints err, on one line, and returns the process's exit status.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	msg := strings.Join(strings.Fields(strings.ReplaceAll(err.Error(), "\n", "; ")), " ")
	fmt.Fprintf(stderr, "carefund: %s\n", msg)
	var e *exitError
	if errors.As(err, &e) {
		return e.code
	}
	return 1
}

func printUsage(w io.Writer) {
	fmt.Fprint(w, "carefund: personal medical help-seeking platform\n\nUsage: carefund <command> [flags]\n\nCommands:\n")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-11s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, "\nEvery flag can also be set with an environment variable: --data-dir is CAREFUND_DATA_DIR.\n")
}

func runHelp(_ context.Context, args []string, _ func(string) string, stdout, _ io.Writer) error {
	if len(args) == 0 {
		printUsage(stdout)
		return nil
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		fmt.Fprintf(stdout, "Usage: carefund %s [flags]\n\n%s.\n", c.name, strings.ToUpper(c.summary[:1])+c.summary[1:])
		if fs := flagsOf(c.name); fs != nil {
			fmt.Fprint(stdout, "\nFlags:\n")
			printFlags(stdout, fs, c.name != "bench" && c.name != "log" && c.name != "conformance")
		}
		return nil
	}
	return badInput(fmt.Errorf("unknown command %q; see 'carefund help'", args[0]))
}

func runVersion(_ context.Context, args []string, _ func(string) string, stdout, _ io.Writer) error {
	if len(args) > 0 {
		return badInput(fmt.Errorf("version takes no arguments"))
	}
	v := version
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				v += " " + s.Value[:12]
			}
		}
	}
	fmt.Fprintf(stdout, "carefund %s (%s, %s/%s)\n", v, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return nil
}
