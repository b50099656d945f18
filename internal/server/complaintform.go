package server

import (
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/upload"
)

// The complaint form is read as a stream, not with ParseMultipartForm: its
// text fields come before the files in the form, so when the evidence is
// over its limit (a 50 MB attachment) reading stops there, nothing more of
// the body is read, and the form comes back with what was typed and the
// message next to the file field. The upload checks themselves (type by
// content, PDF structure) are the complaint service's, through
// internal/upload.

const (
	// complaintMaxFiles is how many files of evidence one complaint takes.
	complaintMaxFiles = 3
	// complaintEvidenceLimit bounds the evidence, all files together.
	complaintEvidenceLimit = upload.MaxSize
	// complaintBodyLimit bounds the whole body: the evidence, the text
	// fields and the multipart framing.
	complaintBodyLimit = complaintEvidenceLimit + 1<<20
	// complaintFieldLimit bounds one text field; a longer one is cut to
	// one byte over it, for the service to refuse as too long.
	complaintFieldLimit = 16 << 10
	// complaintMaxParts bounds the parts read, fields and files together.
	complaintMaxParts = 64
)

// complaintFields are the form's text fields, kept to show it again.
var complaintFields = []string{"key", "category", "request", "staff_ref", "text", "contact_name", "contact_phone", "contact_email"}

// keyEvidenceTooLarge and keyEvidenceTooMany are the messages of evidence
// over its limits, on the file field.
const (
	keyEvidenceTooLarge = "complaintweb.evidence.too_large"
	keyEvidenceTooMany  = "complaintweb.evidence.too_many"
)

// evidenceFile is one file of evidence as the form sent it.
type evidenceFile struct {
	Name string
	Data []byte
}

// complaintPost is what the complaint form sent: its text fields by name
// and its files.
type complaintPost struct {
	Values map[string]string
	Files  []evidenceFile
}

// isComplaintForm reports whether r posts the complaint form, whose body
// limitBody leaves to the handler to bound as it reads.
func isComplaintForm(r *http.Request) bool {
	return r.Method == http.MethodPost && r.URL.Path == "/complaints"
}

// readComplaintForm reads the complaint form from r's body, which is
// multipart (with files) or URL-encoded (without). Evidence over
// complaintMaxFiles files or complaintEvidenceLimit bytes stops the
// reading: the fields read so far come back with a TooLarge or Invalid
// error on the field "evidence". A body that is no form is Invalid.
func readComplaintForm(r *http.Request) (complaintPost, error) {
	post := complaintPost{Values: map[string]string{}}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "multipart/form-data" {
		if err := r.ParseForm(); err != nil {
			return post, evidenceRefusal(err)
		}
		for _, k := range complaintFields {
			post.Values[k] = limit(r.PostFormValue(k), complaintFieldLimit)
		}
		return post, nil
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return post, badForm(err)
	}
	return readComplaintParts(mr, post)
}

// readComplaintParts reads the parts of mr into post.
func readComplaintParts(mr *multipart.Reader, post complaintPost) (complaintPost, error) {
	left := int64(complaintEvidenceLimit)
	for n := 0; ; n++ {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return post, nil
		}
		if err != nil {
			return post, evidenceRefusal(err)
		}
		if n >= complaintMaxParts {
			return post, apperr.New(apperr.Invalid, "error.invalid")
		}
		name := part.FormName()
		if part.FileName() == "" {
			b, err := io.ReadAll(io.LimitReader(part, complaintFieldLimit+1))
			if err != nil {
				return post, evidenceRefusal(err)
			}
			if isComplaintField(name) {
				if _, seen := post.Values[name]; !seen {
					post.Values[name] = limit(string(b), complaintFieldLimit)
				}
			}
			continue
		}
		if name != "evidence" {
			continue
		}
		if len(post.Files) == complaintMaxFiles {
			return post, &apperr.Error{Code: apperr.Invalid, Fields: []apperr.FieldError{{Field: "evidence", Key: keyEvidenceTooMany, Args: []any{complaintMaxFiles}}}}
		}
		data, err := io.ReadAll(io.LimitReader(part, left+1))
		if err != nil {
			return post, evidenceRefusal(err)
		}
		if int64(len(data)) > left {
			return post, evidenceTooLarge()
		}
		left -= int64(len(data))
		if len(data) == 0 {
			// A file input left empty sends an empty part with no name.
			continue
		}
		post.Files = append(post.Files, evidenceFile{Name: fileName(part.FileName()), Data: data})
	}
}

// isComplaintField reports whether name is one of the form's text fields.
func isComplaintField(name string) bool { return slices.Contains(complaintFields, name) }

// fileName keeps a file's name short and on one line.
func fileName(name string) string {
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, strings.ToValidUTF8(name, ""))
	if r := []rune(name); len(r) > 100 {
		name = string(r[:100])
	}
	return name
}

// evidenceTooLarge is the refusal of evidence over its limit, on the file
// field.
func evidenceTooLarge() error {
	return &apperr.Error{Code: apperr.TooLarge, Fields: []apperr.FieldError{{Field: "evidence", Key: keyEvidenceTooLarge, Args: []any{complaintEvidenceLimit >> 20}}}}
}

// evidenceRefusal classifies a failure to read the form: the body over
// its limit is evidence too large; anything else a malformed form.
func evidenceRefusal(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return evidenceTooLarge()
	}
	return badForm(err)
}
