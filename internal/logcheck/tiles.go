package logcheck

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/tlog"
)

// TileHeight is the height of the log's tiles (tlog-tiles: 256 hashes).
const TileHeight = 8

// tileWidth is the number of hashes (or entries) in a full tile.
const tileWidth = 1 << TileHeight

// TilePath is the tlog-tiles path of t below the log's prefix:
// tile/<L>/<N>[.p/<W>], or tile/entries/<N>[.p/<W>] for an entry bundle
// (L = -1), N written three digits at a time (x001/x234/067).
func TilePath(t tlog.Tile) string {
	n := t.N
	s := fmt.Sprintf("%03d", n%1000)
	for n >= 1000 {
		n /= 1000
		s = fmt.Sprintf("x%03d/%s", n%1000, s)
	}
	level := "entries"
	if t.L >= 0 {
		level = strconv.Itoa(t.L)
	}
	p := "tile/" + level + "/" + s
	if t.W != tileWidth {
		p += ".p/" + strconv.Itoa(t.W)
	}
	return p
}

// ParseTilePath reads a path TilePath writes; ok is false for any other.
func ParseTilePath(p string) (tlog.Tile, bool) {
	rest, ok := strings.CutPrefix(p, "tile/")
	if !ok {
		return tlog.Tile{}, false
	}
	level, rest, _ := strings.Cut(rest, "/")
	t := tlog.Tile{H: TileHeight, W: tileWidth}
	if level == "entries" {
		t.L = -1
	} else {
		l, err := parseDecimal(level)
		if err != nil || l > 63/TileHeight {
			return tlog.Tile{}, false
		}
		t.L = int(l)
	}
	rest, w, partial := strings.Cut(rest, ".p/")
	if partial {
		n, err := parseDecimal(w)
		if err != nil || n < 1 || n >= tileWidth {
			return tlog.Tile{}, false
		}
		t.W = int(n)
	}
	parts := strings.Split(rest, "/")
	for i, part := range parts {
		last := i == len(parts)-1
		if !last {
			part, ok = strings.CutPrefix(part, "x")
			if !ok {
				return tlog.Tile{}, false
			}
		}
		if len(part) != 3 || strings.Trim(part, "0123456789") != "" {
			return tlog.Tile{}, false
		}
		d, _ := strconv.Atoi(part)
		if t.N > (1<<62)/1000 {
			return tlog.Tile{}, false
		}
		t.N = t.N*1000 + int64(d)
	}
	if TilePath(t) != p {
		return tlog.Tile{}, false
	}
	return t, true
}

// SplitBundle splits an entry bundle into its entries, each prefixed in it
// by its length in two bytes, big-endian; want is how many it must hold.
func SplitBundle(b []byte, want int) ([][]byte, error) {
	entries := make([][]byte, 0, want)
	for len(b) > 0 {
		if len(b) < 2 {
			return nil, errors.New("a truncated length at the end")
		}
		n := int(binary.BigEndian.Uint16(b))
		if len(b) < 2+n {
			return nil, fmt.Errorf("entry %d is truncated", len(entries))
		}
		entries = append(entries, b[2:2+n])
		b = b[2+n:]
	}
	if len(entries) != want {
		return nil, fmt.Errorf("%d entries, want %d", len(entries), want)
	}
	return entries, nil
}

// errNotFound is a 404 from the log.
var errNotFound = errors.New("not found")

// client fetches from the platform.
type client struct {
	base string // the platform's URL, no trailing slash
	http *http.Client
}

// get fetches base+path, at most limit bytes.
func (c *client) get(ctx context.Context, path string, limit int64) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
		return nil, fmt.Errorf("GET %s: %w", path, errNotFound)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %v", path, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("GET %s: more than %d bytes", path, limit)
	}
	return b, nil
}

// tile fetches tile t (a hash tile or an entry bundle). A partial tile the
// log no longer serves is read from the full tile that replaced it, as
// tlog-tiles allows.
func (c *client) tile(ctx context.Context, t tlog.Tile) ([]byte, error) {
	limit := int64(t.W * tlog.HashSize)
	if t.L < 0 {
		limit = int64(t.W) * (2 + 1<<16)
	}
	b, err := c.get(ctx, "/log/"+TilePath(t), limit)
	if err == nil || t.W == tileWidth || !errors.Is(err, errNotFound) {
		return b, err
	}
	full := t
	full.W = tileWidth
	limit = int64(tileWidth * tlog.HashSize)
	if t.L < 0 {
		limit = tileWidth * (2 + 1<<16)
	}
	b, err = c.get(ctx, "/log/"+TilePath(full), limit)
	if err != nil {
		return nil, err
	}
	if t.L >= 0 {
		if len(b) < t.W*tlog.HashSize {
			return nil, fmt.Errorf("GET /log/%s: %d bytes, want %d", TilePath(full), len(b), tileWidth*tlog.HashSize)
		}
		return b[:t.W*tlog.HashSize], nil
	}
	// The first W entries of the full bundle.
	end := 0
	for range t.W {
		if len(b) < end+2 {
			return nil, fmt.Errorf("GET /log/%s: truncated", TilePath(full))
		}
		end += 2 + int(binary.BigEndian.Uint16(b[end:]))
	}
	if end > len(b) {
		return nil, fmt.Errorf("GET /log/%s: truncated", TilePath(full))
	}
	return b[:end], nil
}

// tileReader reads hash tiles for tlog.TileHashReader, which checks them
// against the checkpoint's tree.
type tileReader struct {
	ctx context.Context
	c   *client
}

func (r tileReader) Height() int { return TileHeight }

func (r tileReader) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		b, err := r.c.tile(r.ctx, t)
		if err != nil {
			return nil, err
		}
		if len(b) != t.W*tlog.HashSize {
			return nil, fmt.Errorf("hash tile %s: %d bytes, want %d", TilePath(t), len(b), t.W*tlog.HashSize)
		}
		out[i] = b
	}
	return out, nil
}

func (r tileReader) SaveTiles([]tlog.Tile, [][]byte) {}
