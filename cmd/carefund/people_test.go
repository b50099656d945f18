package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base32"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/demo"
	"github.com/carefund/carefund/internal/idcard"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store/storetest"
	"github.com/carefund/carefund/internal/testprog"
)

// client is a browser-like HTTP client of a running carefund: it keeps
// cookies and does not follow redirects, so tests see them.
type client struct {
	t    *testing.T
	base string
	http *http.Client
}

func newClient(t *testing.T, base string) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: strings.TrimSuffix(base, "/"), http: &http.Client{
		Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

func (c *client) do(method, path string, form url.Values) (int, string, http.Header) {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

var (
	devCode  = regexp.MustCompile(`<span class="sms-phone">([0-9]+)</span> <strong class="sms-code">([0-9]{6})</strong>`)
	ruleIDs  = regexp.MustCompile(`name="rule" value="([0-9]+)"`)
	otpauth  = regexp.MustCompile(`otpauth://totp/[^\s]+`)
	password = "canary staff password 1"
)

// signInByPhone signs phone in through the pages, reading the code from the
// development SMS page.
func (c *client) signInByPhone(phone string) {
	c.t.Helper()
	if st, body, _ := c.do("POST", "/signin/code", url.Values{"phone": {phone}}); st != 200 {
		c.t.Fatalf("send code: %d\n%s", st, body)
	}
	_, page, _ := c.do("GET", "/dev/sms", nil)
	code := ""
	for _, m := range devCode.FindAllStringSubmatch(page, -1) {
		if m[1] == phone {
			code = m[2]
			break
		}
	}
	if code == "" {
		c.t.Fatalf("no code for the phone on /dev/sms:\n%s", page)
	}
	if st, body, h := c.do("POST", "/signin", url.Values{"phone": {phone}, "code": {code}}); st != http.StatusSeeOther || h.Get("Location") != "/account" {
		c.t.Fatalf("sign in: %d %s\n%s", st, h.Get("Location"), body)
	}
}

// createStaff runs `carefund admin create` and returns the TOTP secret.
func createStaff(t *testing.T, dataDir string, extra []string, username, role string) []byte {
	t.Helper()
	args := append([]string{"admin", "create", "--data-dir", dataDir, "--username", username, "--role", role, "--password-stdin"}, extra...)
	cmd := exec.Command(testprog.Binary(t), args...)
	cmd.Env = testprog.Env()
	cmd.Stdin = strings.NewReader(password + "\n")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("carefund %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	uri := otpauth.FindString(string(out))
	u, err := url.Parse(uri)
	if err != nil || uri == "" {
		t.Fatalf("no enrolment URI in:\n%s", out)
	}
	secret, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(u.Query().Get("secret")))
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

// signInStaff signs a staff member in with password and TOTP code.
func (c *client) signInStaff(username string, secret []byte) {
	c.t.Helper()
	code := staff.CodeAt(secret, time.Now())
	st, body, h := c.do("POST", "/staff/signin", url.Values{"username": {username}, "password": {password}, "totp": {code}})
	if st != http.StatusSeeOther || h.Get("Location") != "/staff" {
		c.t.Fatalf("staff sign-in: %d %s\n%s", st, h.Get("Location"), body)
	}
}

// TestCanaryScan plants canary personal data through the real flows (sign-in
// by phone, real-name verification, a request for help with its patient,
// diagnosis and a PDF document, staff viewing the person), then scans
// the database file, its WAL, the uploads folder and the log for them in
// plain text: there must be none (R-PII-1). On PostgreSQL it scans every
// row of every table instead of the files.
func TestCanaryScan(t *testing.T) {
	for _, d := range storetest.Databases(t) {
		t.Run(d.Name, func(t *testing.T) {
			var extra []string
			if d.Name == "postgres" {
				extra = []string{"--database", d.DSN}
			}
			p := testprog.Start(t, extra...)
			phone := "13987654321"
			name := "甄士隐"
			number := canaryID(t)
			canaries := []string{phone, name, number}

			c := newClient(t, p.URL)
			c.signInByPhone(phone)
			_, page, _ := c.do("GET", "/account/verify", nil)
			form := url.Values{"name": {name}, "id_number": {number}, "consent": {"yes"}, "truthful": {"yes"}}
			for _, m := range ruleIDs.FindAllStringSubmatch(page, -1) {
				form.Add("rule", m[1])
			}
			if st, body, h := c.do("POST", "/account/verify", form); st != http.StatusSeeOther {
				t.Fatalf("verify: %d %s\n%s", st, h.Get("Location"), body)
			}
			_, me, _ := c.do("GET", "/api/v1/me", nil)
			if !strings.Contains(me, `"phone":"139****4321"`) || !strings.Contains(me, "甄*隐") || strings.Contains(me, number) {
				t.Errorf("GET /api/v1/me is not masked: %s", me)
			}

			// A request for help with a canary patient, diagnosis and
			// document: the filing and the file are sealed too.
			patient, diagnosis, pdfMark := "甄英莲", "甄氏罕见综合征", "CANARYPDF7731"
			patientID := canaryIDIn(t, "11010119800101")
			canaries = append(canaries, patient, diagnosis, pdfMark, patientID)
			st, _, h := c.do("POST", "/my/requests", url.Values{})
			if st != http.StatusSeeOther {
				t.Fatalf("starting a request: %d", st)
			}
			reqPath := h.Get("Location")
			_, formPage, _ := c.do("GET", reqPath, nil)
			rev := regexp.MustCompile(`name="revision" value="([0-9]+)"`).FindStringSubmatch(formPage)
			if rev == nil {
				t.Fatalf("no revision on the filing form")
			}
			content := "BT (" + pdfMark + ") Tj ET"
			pdf := []byte("%PDF-1.4\n1 0 obj <</Type /Catalog>> endobj\n2 0 obj <</Length " + strconv.Itoa(len(content)) +
				">>\nstream\n" + content + "\nendstream\nendobj\ntrailer <</Root 1 0 R>>\n%%EOF\n")
			st, body, _ := c.multipart(reqPath+"/materials", url.Values{"revision": {rev[1]}, "relationship": {"parent"},
				"patient_name": {patient}, "patient_id": {patientID}, "diagnosis": {diagnosis}, "kind": {"diagnosis"}}, pdf)
			if st != http.StatusSeeOther {
				t.Fatalf("uploading: %d\n%s", st, body)
			}
			// Stored, and readable by the platform: the publisher sees both.
			if _, formPage, _ = c.do("GET", reqPath, nil); !strings.Contains(formPage, patientID) || !strings.Contains(formPage, diagnosis) {
				t.Fatalf("the draft lost the canary filing")
			}
			mat := regexp.MustCompile(`href="(/my/requests/[0-9]+/materials/[0-9]+)"`).FindStringSubmatch(formPage)
			if mat == nil {
				t.Fatalf("no document on the filing form")
			}
			if st, file, _ := c.do("GET", mat[1], nil); st != 200 || !strings.Contains(file, pdfMark) {
				t.Fatalf("the document did not come back whole: %d", st)
			}

			// A security admin looks the person up: the data is stored and
			// readable by the platform, so its absence below is encryption,
			// not loss.
			secret := createStaff(t, p.DataDir, extra, "canary-sec", "security_admin")
			sc := newClient(t, p.URL)
			sc.signInStaff("canary-sec", secret)
			userID := regexp.MustCompile(`"user_id":([0-9]+)`).FindStringSubmatch(me)[1]
			st, view, _ := sc.do("GET", "/staff/users/"+userID, nil)
			for _, want := range []string{phone, name, number} {
				if st != 200 || !strings.Contains(view, want) {
					t.Fatalf("the staff view lacks a canary value (status %d)", st)
				}
			}
			p.Stop(t)

			hits := scanLog(p.Stderr(), canaries)
			if d.Name == "sqlite" {
				hits = append(hits, scanFiles(t, p.DataDir, canaries)...)
			} else {
				hits = append(hits, scanTables(t, d.DSN, canaries)...)
			}
			for _, h := range hits {
				t.Errorf("plain personal data found: %s", h)
			}
		})
	}
}

// canaryIDIn is a well-formed ID number with the first 14 characters given.
func canaryIDIn(t *testing.T, first14 string) string {
	c, err := idcard.CheckChar(first14 + "778")
	if err != nil {
		t.Fatal(err)
	}
	return first14 + "778" + string(c)
}

// multipart posts fields and a file as the filing form does.
func (c *client) multipart(path string, fields url.Values, file []byte) (int, string, http.Header) {
	c.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	fw, err := mw.CreateFormFile("file", "scan.pdf")
	if err != nil {
		c.t.Fatal(err)
	}
	fw.Write(file)
	mw.Close()
	req, err := http.NewRequest("POST", c.base+path, &buf)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

// canaryID is a well-formed ID number no test uses elsewhere.
func canaryID(t *testing.T) string {
	first17 := "32010219800229" + "777"
	c, err := idcard.CheckChar(first17)
	if err != nil {
		t.Fatal(err)
	}
	return first17 + string(c)
}

func scanLog(log string, canaries []string) []string {
	var hits []string
	for _, c := range canaries {
		if strings.Contains(log, c) {
			hits = append(hits, "the log holds a canary")
		}
	}
	return hits
}

// scanFiles reads every file in the data folder, the SQLite database, its
// WAL and shared memory and the uploads among them, byte for byte.
func scanFiles(t *testing.T, dir string, canaries []string) []string {
	var hits []string
	scanned := map[string]bool{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		scanned[filepath.Base(path)] = true
		for _, c := range canaries {
			if bytes.Contains(b, []byte(c)) {
				hits = append(hits, filepath.Base(path)+" holds a canary")
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !scanned["carefund.db"] {
		t.Errorf("the scan did not read the database file; it read %v", scanned)
	}
	return hits
}

// scanTables reads every row of every table of the test schema as text.
func scanTables(t *testing.T, dsn string, canaries []string) []string {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	rows, err := db.QueryContext(ctx, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	if len(tables) < 10 {
		t.Fatalf("only %d tables in the schema: %v", len(tables), tables)
	}
	var hits []string
	for _, table := range tables {
		var dump sql.NullString
		if err := db.QueryRowContext(ctx, `SELECT string_agg(row_to_json(x)::text, E'\n') FROM `+table+` x`).Scan(&dump); err != nil {
			t.Fatal(err)
		}
		for _, c := range canaries {
			if strings.Contains(dump.String, c) {
				hits = append(hits, "table "+table+" holds a canary")
			}
		}
	}
	return hits
}

// TestDemoStaffConsole: with --demo a newcomer can open the staff console:
// the development page shows each demonstration account's current code, and
// the published password with it signs in.
func TestDemoStaffConsole(t *testing.T) {
	p := testprog.Start(t, "--demo")
	c := newClient(t, p.URL)
	_, page, _ := c.do("GET", "/dev/sms", nil)
	m := regexp.MustCompile(`<span class="demo-user">demo-auditor</span> <span class="muted">[^<]*</span> <strong class="demo-code">([0-9]{6})</strong>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no code for demo-auditor on /dev/sms:\n%s", page)
	}
	st, body, h := c.do("POST", "/staff/signin", url.Values{"username": {"demo-auditor"}, "password": {demo.StaffPassword}, "totp": {m[1]}})
	if st != http.StatusSeeOther || h.Get("Location") != "/staff" {
		t.Fatalf("demo sign-in: %d\n%s", st, body)
	}
	if st, page, _ := c.do("GET", "/staff/audit", nil); st != 200 || !strings.Contains(page, "staff.sign_in") {
		t.Errorf("the auditor's audit page: %d", st)
	}
}
