package backup

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strings"
)

// libpqParams are the connection parameters pg_dump and pg_restore accept in
// a URL; the others (pgx's own, search_path) are left out or translated.
var libpqParams = map[string]bool{
	"sslmode": true, "sslrootcert": true, "sslcert": true, "sslkey": true, "sslcrl": true,
	"connect_timeout": true, "application_name": true, "target_session_attrs": true,
	"host": true, "port": true, "options": true, "passfile": true, "sslpassword": true,
}

// pgCommand returns the URL to give pg_dump or pg_restore for dsn, the
// environment for the password (kept off the command line, which other
// users of the machine can read) and the schema the DSN selects with
// search_path, if any.
func pgCommand(dsn string) (conn string, env []string, schema string, err error) {
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", nil, "", errors.New("the database is not a postgres:// URL")
	}
	env = os.Environ()
	if pw, ok := u.User.Password(); ok {
		env = append(env, "PGPASSWORD="+pw)
		u.User = url.User(u.User.Username())
	}
	q := url.Values{}
	for k, v := range u.Query() {
		switch {
		case k == "search_path":
			schema = v[0]
		case libpqParams[k]:
			q[k] = v
		}
	}
	if schema != "" {
		if strings.ContainsAny(schema, `," `) {
			return "", nil, "", fmt.Errorf("search_path %q: give one schema", schema)
		}
		q.Set("options", "-csearch_path="+schema)
	}
	u.RawQuery = q.Encode()
	return u.String(), env, schema, nil
}

// DumpPostgres runs pg_dump from PATH: one snapshot-consistent dump of the
// database (of its schema, when the DSN selects one with search_path) in
// pg_dump's custom format, to file.
func DumpPostgres(ctx context.Context, dsn, file string) error {
	conn, env, schema, err := pgCommand(dsn)
	if err != nil {
		return err
	}
	if _, err := exec.LookPath("pg_dump"); err != nil {
		return errors.New("pg_dump is not on PATH: install the PostgreSQL client of the server's major version (Debian: postgresql-client), or back up with pg_basebackup as the README says")
	}
	args := []string{"--format=custom", "--no-owner", "--no-privileges", "--file", file, "--dbname", conn}
	if schema != "" {
		args = append(args, "--schema", schema)
	}
	return runPG(ctx, env, "pg_dump", args...)
}

// RestorePostgres runs pg_restore from PATH: the dump in file into the
// database dsn, in one transaction, stopping at the first error.
func RestorePostgres(ctx context.Context, dsn, file string) error {
	conn, env, _, err := pgCommand(dsn)
	if err != nil {
		return err
	}
	if _, err := exec.LookPath("pg_restore"); err != nil {
		return errors.New("pg_restore is not on PATH: install the PostgreSQL client of the server's major version (Debian: postgresql-client)")
	}
	return runPG(ctx, env, "pg_restore", "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error",
		"--dbname", conn, file)
}

func runPG(ctx context.Context, env []string, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if len(msg) > 2000 {
			msg = msg[:2000] + "…"
		}
		return fmt.Errorf("%s: %v: %s", name, err, msg)
	}
	return nil
}
