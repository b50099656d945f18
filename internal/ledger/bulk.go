package ledger

import (
	"strconv"
	"unicode/utf8"
)

// A batch's rows travel to the database as one parameter per column or per
// statement, not one per value: a PostgreSQL array (read with unnest or
// ANY), or for SQLite one JSON array (read with json_each). The statements'
// text is then the same for every batch, so neither database re-parses it,
// and SQLite does not look up hundreds of named parameters.

// jsonInts returns ids as a JSON array.
func jsonInts(ids []int64) string {
	b := make([]byte, 0, 8*len(ids)+2)
	b = append(b, '[')
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	return string(append(b, ']'))
}

// jsonStrings returns ss as a JSON array.
func jsonStrings(ss []string) string {
	b := make([]byte, 0, 24*len(ss)+2)
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, s)
	}
	return string(append(b, ']'))
}

// appendJSONString appends s as a JSON string. Entries carry valid UTF-8
// (Validate checks), so only quotes, backslashes and control characters need
// escaping.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		case c < utf8.RuneSelf:
			b = append(b, c)
		default:
			_, size := utf8.DecodeRuneInString(s[i:])
			b = append(b, s[i:i+size]...)
			i += size
			continue
		}
		i++
	}
	return append(b, '"')
}
