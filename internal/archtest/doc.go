// Package archtest holds no code, only the architecture test: it reads the
// imports of every package in the module and fails when the layering of
// decision 0016 (docs/decisions/0016-the-design-as-it-is.md) is broken.
package archtest
