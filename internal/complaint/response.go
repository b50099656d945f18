package complaint

import (
	"strings"
	"unicode/utf8"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/screen"
)

// CheckResponse checks a handler's response before it is stored and, when
// the complaint is about a request, published (R-DISC-2): not empty, not
// too long, and through the screen every public text passes.
func CheckResponse(text string) (string, error) {
	text = strings.TrimSpace(text)
	var key string
	var args []any
	switch {
	case !validText(text):
		key = KeyChars
	case text == "":
		key = KeyResponseEmpty
	case utf8.RuneCountInString(text) > MaxResponse:
		key, args = KeyResponseLong, []any{MaxResponse}
	case !screenResponse(text):
		key = KeyResponseScreen
	default:
		return text, nil
	}
	return "", &apperr.Error{Code: apperr.Invalid, Key: KeyInvalid,
		Fields: []apperr.FieldError{{Field: FieldResponse, Key: key, Args: args}}}
}

// screenResponse reports whether a response may be published.
//
// TODO(lead): swap for content.Check(ctx, tx, content.Candidate{Place:
// content.PlaceComplaintResponse, Ref, Text}) once internal/content is
// merged; until then the risky-wording screen of requests stands in.
func screenResponse(text string) bool {
	v, err := screen.Wording{}.Check(screen.Subject{Texts: []string{text}}, nil)
	return err == nil && v.Outcome == screen.Pass
}
