//go:build race

package testprog

const raceEnabled = true
