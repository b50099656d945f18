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
	case "serve", "migrate", "config":
		var c config.Config
		return c.FlagSet(name)
	}
	return nil
}

// printFlags lists flags the way the help shows them: two dashes, the
// environment variable, the default.
func printFlags(w io.Writer, fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		typ, usage := flag.UnquoteUsage(f)
		fmt.Fprintf(w, "  --%s %s\n      %s\n      env %s", f.Name, typ, usage, config.EnvName(f.Name))
		if f.DefValue != "" && f.DefValue != "false" {
			fmt.Fprintf(w, ", default %s", f.DefValue)
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
