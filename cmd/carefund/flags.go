package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/carefund/carefund/internal/config"
)

// flagsOf returns the flag set of a command, for help.
func flagsOf(name string) *flag.FlagSet {
	switch name {
	case "keys", "backup", "restore":
		return backupFlags(name, new(config.Config), new(backupOptions))
	case "verify":
		return verifyFlags(new(config.Config), new(auditHeads))
	case "serve", "migrate", "config":
		var c config.Config
		return c.FlagSet(name)
	case "bench":
		return benchFlags(name)
	case "reconcile":
		return reconcileFlags(new(config.Config), new(reconcileOptions))
	case "report":
		return reportFlags(new(config.Config), new(reportOptions))
	case "admin":
		return adminFlags(new(config.Config), new(adminOptions))
	case "log":
		return logFlags("log", new(logOptions))
	case "conformance":
		return conformanceFlags(new(string), new(bool))
	}
	return nil
}

// printFlags lists flags the way the help shows them: two dashes, the
// environment variable, the default.
func printFlags(w io.Writer, fs *flag.FlagSet, env bool) {
	fs.VisitAll(func(f *flag.Flag) {
		typ, usage := flag.UnquoteUsage(f)
		fmt.Fprintf(w, "  --%s %s\n      %s", f.Name, typ, usage)
		sep := "\n      "
		if env {
			fmt.Fprintf(w, "%senv %s", sep, config.EnvName(f.Name))
			sep = ", "
		}
		if f.DefValue != "" && f.DefValue != "false" {
			fmt.Fprintf(w, "%sdefault %s", sep, f.DefValue)
		}
		fmt.Fprintln(w)
	})
}

// parseConfig reads the configuration for a command from args and the
// environment.
func parseConfig(name string, args []string, getenv func(string) string) (*config.Config, *flag.FlagSet, error) {
	var c config.Config
	fs := c.FlagSet(name)
	if err := c.Parse(fs, args, getenv); err != nil {
		if err == flag.ErrHelp {
			return nil, nil, err
		}
		return nil, nil, badInput(err)
	}
	return &c, fs, nil
}

func runConfig(_ context.Context, args []string, getenv func(string) string, stdout, _ io.Writer) error {
	c, fs, err := parseConfig("config", args, getenv)
	if err != nil {
		return err
	}
	c.Print(stdout, fs)
	return nil
}
