package demo

import (
	"bytes"
	"crypto/sha256"
	"image"
	"image/color"
	"image/png"

	"github.com/carefund/carefund/internal/material"
)

// The size of a demonstration material's picture: big enough to see what it
// stands for, small enough that the whole demo holds under a megabyte.
const (
	imageWidth  = 90
	imageHeight = 120
)

// kindColors colour the heading band of each kind of material, so that a
// reviewer tells them apart at a glance.
var kindColors = map[material.Kind]color.RGBA{
	material.Diagnosis:    {0x1f, 0x6f, 0xb2, 0xff},
	material.IDDocument:   {0x4a, 0x8c, 0x5c, 0xff},
	material.Relationship: {0x8e, 0x5b, 0xa8, 0xff},
	material.CostEstimate: {0xc2, 0x7c, 0x0e, 0xff},
	material.Certificate:  {0xb0, 0x2a, 0x37, 0xff},
	material.ExpenseList:  {0x5d, 0x6d, 0x7e, 0xff},
	material.Other:        {0x33, 0x33, 0x33, 0xff},
}

// documentPNG draws a stand-in for a scanned document: a page with a
// coloured heading, grey lines of "text" whose lengths come from seed, an
// official red seal on the documents a hospital issues, and orange diagonal
// stripes across the page that mark it as a sample. Different seeds give
// different pictures, so no two demonstration materials look like
// duplicates of each other to the duplicate check on their content.
func documentPNG(kind material.Kind, seed string) []byte {
	img := image.NewRGBA(image.Rect(0, 0, imageWidth, imageHeight))
	white := color.RGBA{0xff, 0xff, 0xff, 0xff}
	grey := color.RGBA{0x9a, 0x9a, 0x9a, 0xff}
	stripe := color.RGBA{0xff, 0xd8, 0xa8, 0xff}
	red := color.RGBA{0xd0, 0x20, 0x20, 0xff}
	for y := range imageHeight {
		for x := range imageWidth {
			c := white
			if (x+y)%24 < 3 {
				c = stripe
			}
			img.SetRGBA(x, y, c)
		}
	}
	band := kindColors[kind]
	fill(img, 0, 0, imageWidth, 14, band)
	h := sha256.Sum256([]byte(string(kind) + "\x00" + seed))
	for i := range 12 {
		y := 22 + i*7
		length := 30 + int(h[i])%(imageWidth-40)
		fill(img, 8, y, 8+length, y+2, grey)
	}
	if kind == material.Diagnosis || kind == material.CostEstimate || kind == material.Certificate || kind == material.ExpenseList {
		// The hospital's seal, a red ring in the lower right corner.
		cx, cy, r := imageWidth-24, imageHeight-22, 13
		for y := cy - r; y <= cy+r; y++ {
			for x := cx - r; x <= cx+r; x++ {
				d := (x-cx)*(x-cx) + (y-cy)*(y-cy)
				if d <= r*r && d >= (r-3)*(r-3) {
					img.SetRGBA(x, y, red)
				}
			}
		}
	}
	var b bytes.Buffer
	// Encoding an in-memory RGBA image cannot fail.
	_ = (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&b, img)
	return b.Bytes()
}

func fill(img *image.RGBA, x0, y0, x1, y1 int, c color.RGBA) {
	for y := y0; y < y1; y++ {
		for x := x0; x < x1; x++ {
			img.SetRGBA(x, y, c)
		}
	}
}
