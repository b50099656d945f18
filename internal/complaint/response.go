package complaint

import (
	"strings"
	"unicode/utf8"

	"github.com/carefund/carefund/internal/apperr"
)

// CheckResponse checks a handler's response before it is stored and, when
// the complaint is about a request, published (R-DISC-2): not empty and not
// too long. The content screen every public text passes (R-CONT-1) runs
// in the closing transaction, where its word list and handling record are.
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
	default:
		return text, nil
	}
	return "", &apperr.Error{Code: apperr.Invalid, Key: KeyInvalid,
		Fields: []apperr.FieldError{{Field: FieldResponse, Key: key, Args: args}}}
}
