package server

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/apperr"
)

// complaintBody is a multipart complaint form: the fields in order, then
// the files.
func complaintBody(t testing.TB, fields [][2]string, files map[string][]byte) (*bytes.Buffer, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, f := range fields {
		if err := w.WriteField(f[0], f[1]); err != nil {
			t.Fatal(err)
		}
	}
	for name, data := range files {
		fw, err := w.CreateFormFile("evidence", name)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(data)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return &buf, w.FormDataContentType()
}

func TestReadComplaintForm(t *testing.T) {
	fields := [][2]string{{"key", "k1"}, {"category", "misuse"}, {"text", "<script>alert(1)</script>"}, {"unknown", "x"}, {"text", "second"}}
	tests := []struct {
		name      string
		files     map[string][]byte
		wantCode  apperr.Code
		wantFiles int
	}{
		{"no files", nil, "", 0},
		{"two files", map[string][]byte{"a.png": []byte("a"), "b.pdf": []byte("b")}, "", 2},
		{"an empty file input", map[string][]byte{"": nil}, "", 0},
		{"too many files", map[string][]byte{"1": {1}, "2": {2}, "3": {3}, "4": {4}}, apperr.Invalid, 3},
		{"over the limit", map[string][]byte{"big.pdf": make([]byte, complaintEvidenceLimit+1)}, apperr.TooLarge, 0},
		{"over the limit together", map[string][]byte{"a": make([]byte, complaintEvidenceLimit/2+1), "b": make([]byte, complaintEvidenceLimit/2+1)}, apperr.TooLarge, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, ct := complaintBody(t, fields, tt.files)
			r := httptest.NewRequest(http.MethodPost, "/complaints", body)
			r.Header.Set("Content-Type", ct)
			got, err := readComplaintForm(r)
			if code := apperr.CodeOf(err); code != tt.wantCode {
				t.Fatalf("code %q, want %q (%v)", code, tt.wantCode, err)
			}
			if err != nil {
				if e := apperr.As(err); len(e.Fields) != 1 || e.Fields[0].Field != "evidence" {
					t.Errorf("the refusal is not on the file field: %v", err)
				}
			} else if len(got.Files) != tt.wantFiles {
				t.Errorf("%d files, want %d", len(got.Files), tt.wantFiles)
			}
			// What was typed comes back whole, as typed, the first of a
			// repeated field, and nothing the form does not have.
			if got.Values["text"] != "<script>alert(1)</script>" || got.Values["category"] != "misuse" || got.Values["key"] != "k1" {
				t.Errorf("values %v", got.Values)
			}
			if _, ok := got.Values["unknown"]; ok {
				t.Errorf("an unknown field was kept")
			}
		})
	}
	t.Run("url-encoded", func(t *testing.T) {
		r := httptest.NewRequest(http.MethodPost, "/complaints", strings.NewReader("text=hi&request=3"))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		got, err := readComplaintForm(r)
		if err != nil || got.Values["text"] != "hi" || got.Values["request"] != "3" {
			t.Errorf("got %v, %v", got, err)
		}
	})
}

// FuzzComplaintForm feeds the complaint form's reader any body: it never
// panics, keeps only the form's fields, and never returns more evidence
// than its limits.
func FuzzComplaintForm(f *testing.F) {
	body, ct := complaintBody(f, [][2]string{{"text", "x"}, {"category", "other"}}, map[string][]byte{"a.png": []byte("\x89PNG")})
	_, params, _ := strings.Cut(ct, "boundary=")
	f.Add(body.Bytes(), params)
	f.Add([]byte("--b\r\nContent-Disposition: form-data; name=\"evidence\"; filename=\"x\"\r\n\r\nzz\r\n--b--\r\n"), "b")
	f.Add([]byte("--b\r\n\r\n--b--"), "b")
	f.Fuzz(func(t *testing.T, data []byte, boundary string) {
		r := httptest.NewRequest(http.MethodPost, "/complaints", bytes.NewReader(data))
		r.Header.Set("Content-Type", "multipart/form-data; boundary=\""+strings.ReplaceAll(boundary, `"`, "")+"\"")
		got, err := readComplaintForm(r)
		if err != nil && apperr.As(err) == nil {
			t.Fatalf("an unclassified error: %v", err)
		}
		total := 0
		for _, f := range got.Files {
			total += len(f.Data)
		}
		if len(got.Files) > complaintMaxFiles || total > complaintEvidenceLimit {
			t.Fatalf("%d files, %d bytes", len(got.Files), total)
		}
		for k, v := range got.Values {
			if !isComplaintField(k) || len(v) > complaintFieldLimit+1 {
				t.Fatalf("kept %q (%d bytes)", k, len(v))
			}
		}
	})
}
