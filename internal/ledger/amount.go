package ledger

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

var (
	// ErrInvalidAmount is wrapped by every parse error.
	ErrInvalidAmount = errors.New("invalid amount")
	// ErrOverflow is returned when a sum does not fit: an error, never a wrap.
	ErrOverflow = errors.New("amount out of range")
)

// Amount is an exact quantity of a currency, in its minor unit.
type Amount struct {
	Minor    int64
	Currency string
}

// Parse reads a decimal such as "12.50" in the given currency. It refuses
// signs, exponents, more fraction digits than the currency has, and values
// whose minor units do not fit an int64.
func Parse(s, currency string) (Amount, error) {
	digits := FractionDigits(currency)
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" || (hasDot && frac == "") || !allDigits(whole) || !allDigits(frac) {
		return Amount{}, fmt.Errorf("%w %q: want digits with at most one '.'", ErrInvalidAmount, s)
	}
	if len(frac) > digits {
		return Amount{}, fmt.Errorf("%w %q: %s has %d fraction digits", ErrInvalidAmount, s, currency, digits)
	}
	frac += strings.Repeat("0", digits-len(frac))
	significant := strings.TrimLeft(whole+frac, "0")
	if significant == "" {
		return Amount{Currency: currency}, nil
	}
	minor, err := strconv.ParseInt(significant, 10, 64)
	if err != nil {
		return Amount{}, fmt.Errorf("%w %q: %w", ErrInvalidAmount, s, ErrOverflow)
	}
	return Amount{Minor: minor, Currency: currency}, nil
}

// String formats the amount with exactly the currency's fraction digits.
func (a Amount) String() string {
	digits := FractionDigits(a.Currency)
	sign := ""
	minor := a.Minor
	var abs uint64
	if minor < 0 {
		sign = "-"
		abs = uint64(-(minor + 1)) + 1 // safe for math.MinInt64
	} else {
		abs = uint64(minor)
	}
	s := strconv.FormatUint(abs, 10)
	if digits == 0 {
		return sign + s
	}
	if len(s) <= digits {
		s = strings.Repeat("0", digits-len(s)+1) + s
	}
	return sign + s[:len(s)-digits] + "." + s[len(s)-digits:]
}

// Add returns a+b, or ErrOverflow.
func Add(a, b int64) (int64, error) {
	if (b > 0 && a > math.MaxInt64-b) || (b < 0 && a < math.MinInt64-b) {
		return 0, ErrOverflow
	}
	return a + b, nil
}

// Sub returns a-b, or ErrOverflow.
func Sub(a, b int64) (int64, error) {
	if b == math.MinInt64 {
		// -b does not fit, but a-b does whenever a is negative.
		if a < 0 {
			return a - b, nil
		}
		return 0, ErrOverflow
	}
	return Add(a, -b)
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
