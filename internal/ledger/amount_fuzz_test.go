package ledger

import (
	"errors"
	"math"
	"math/big"
	"regexp"
	"strings"
	"testing"
)

// wellFormed is the only shape Parse may accept: digits, then optionally a
// '.' and at least one digit. The fraction's length is checked per currency.
var wellFormed = regexp.MustCompile(`^([0-9]+)(?:\.([0-9]+))?$`)

// exactMinor computes the minor units of a well-formed amount with
// arbitrary precision, independently of Parse.
func exactMinor(s string, digits int) *big.Int {
	m := wellFormed.FindStringSubmatch(s)
	n, ok := new(big.Int).SetString(m[1]+m[2]+strings.Repeat("0", digits-len(m[2])), 10)
	if !ok {
		panic("not digits: " + s)
	}
	return n
}

// FuzzParse checks Parse against an exact reference: it accepts exactly the
// well-formed amounts whose minor units fit an int64, and reads each one to
// the exact number of minor units.
func FuzzParse(f *testing.F) {
	for _, seed := range []struct{ s, currency string }{
		{"12.50", "USD"}, {"0", "USD"}, {"007.10", "EUR"}, {"1500", "JPY"}, {"1.234", "KWD"},
		{"0.0001", "CLF"}, {"92233720368547758.07", "USD"}, {"92233720368547758.08", "USD"},
		{"9223372036854775807", "JPY"}, {"99999999999999999999999", "USD"}, {"-1", "USD"},
		{"+1", "USD"}, {"1e3", "USD"}, {"1.", "USD"}, {".5", "USD"}, {"", "USD"}, {"1.2.3", "USD"},
		{" 1", "USD"}, {"1_000", "USD"}, {"0x10", "USD"}, {"١٢", "USD"}, {"12.5", "JPY"}, {"1,50", "EUR"},
		{"0.00", ""}, {"NaN", "USD"}, {"Inf", "USD"},
	} {
		f.Add(seed.s, seed.currency)
	}
	maxMinor := big.NewInt(math.MaxInt64)
	f.Fuzz(func(t *testing.T, s, currency string) {
		got, err := Parse(s, currency)
		digits := FractionDigits(currency)
		m := wellFormed.FindStringSubmatch(s)
		valid := m != nil && len(m[2]) <= digits
		if !valid {
			if err == nil {
				t.Fatalf("Parse(%q, %q) = %d, want an error: not a well-formed amount", s, currency, got.Minor)
			}
			if !errors.Is(err, ErrInvalidAmount) {
				t.Fatalf("Parse(%q, %q) error %v does not wrap ErrInvalidAmount", s, currency, err)
			}
			return
		}
		want := exactMinor(s, digits)
		if want.Cmp(maxMinor) > 0 {
			if !errors.Is(err, ErrOverflow) || !errors.Is(err, ErrInvalidAmount) {
				t.Fatalf("Parse(%q, %q) = %d, %v; want an overflow error", s, currency, got.Minor, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("Parse(%q, %q) refused a well-formed amount that fits: %v", s, currency, err)
		}
		if got.Currency != currency || big.NewInt(got.Minor).Cmp(want) != 0 {
			t.Fatalf("Parse(%q, %q) = %+v, want %s minor units", s, currency, got, want)
		}
		// What is shown must read back to the same amount.
		back, err := Parse(got.String(), currency)
		if err != nil || back != got {
			t.Fatalf("Parse(%q).String() = %q reads back as %+v, %v", s, got.String(), back, err)
		}
	})
}

// FuzzString checks that every amount, negative ones included, is shown
// with exactly the currency's fraction digits and the exact value, and that
// a non-negative one reads back unchanged.
func FuzzString(f *testing.F) {
	for _, seed := range []struct {
		minor    int64
		currency string
	}{
		{0, "USD"}, {1, "USD"}, {-5, "USD"}, {1250, "EUR"}, {1500, "JPY"}, {1234, "KWD"}, {7, "CLF"},
		{math.MaxInt64, "USD"}, {math.MinInt64, "USD"}, {math.MinInt64, "JPY"}, {-1, "KWD"},
	} {
		f.Add(seed.minor, seed.currency)
	}
	f.Fuzz(func(t *testing.T, minor int64, currency string) {
		a := Amount{Minor: minor, Currency: currency}
		s := a.String()
		digits := FractionDigits(currency)
		unsigned, negative := strings.CutPrefix(s, "-")
		if negative != (minor < 0) {
			t.Fatalf("%+v.String() = %q: wrong sign", a, s)
		}
		m := wellFormed.FindStringSubmatch(unsigned)
		if m == nil || len(m[2]) != digits || (len(m[1]) > 1 && m[1][0] == '0') {
			t.Fatalf("%+v.String() = %q, want digits with exactly %d fraction digits and no leading zeros", a, s, digits)
		}
		value := exactMinor(unsigned, digits)
		if negative {
			value.Neg(value)
		}
		if value.Cmp(big.NewInt(minor)) != 0 {
			t.Fatalf("%+v.String() = %q, which is %s minor units", a, s, value)
		}
		if !negative {
			back, err := Parse(s, currency)
			if err != nil || back != a {
				t.Fatalf("Parse(%q) = %+v, %v; want %+v", s, back, err, a)
			}
		}
	})
}

// FuzzAddSub checks the overflow guards against arbitrary precision: a sum
// or difference is returned exactly when it fits an int64, and refused
// otherwise.
func FuzzAddSub(f *testing.F) {
	for _, seed := range [][2]int64{
		{0, 0}, {1250, 750}, {math.MaxInt64, 1}, {math.MinInt64, -1}, {0, math.MinInt64},
		{math.MaxInt64, math.MinInt64}, {-1, math.MaxInt64},
	} {
		f.Add(seed[0], seed[1])
	}
	minInt, maxInt := big.NewInt(math.MinInt64), big.NewInt(math.MaxInt64)
	fits := func(n *big.Int) bool { return n.Cmp(minInt) >= 0 && n.Cmp(maxInt) <= 0 }
	f.Fuzz(func(t *testing.T, a, b int64) {
		check := func(op string, got int64, err error, want *big.Int) {
			if !fits(want) {
				if !errors.Is(err, ErrOverflow) {
					t.Fatalf("%s(%d, %d) = %d, %v; want ErrOverflow", op, a, b, got, err)
				}
				return
			}
			if err != nil || big.NewInt(got).Cmp(want) != 0 {
				t.Fatalf("%s(%d, %d) = %d, %v; want %s", op, a, b, got, err, want)
			}
		}
		sum, err := Add(a, b)
		check("Add", sum, err, new(big.Int).Add(big.NewInt(a), big.NewInt(b)))
		diff, err := Sub(a, b)
		check("Sub", diff, err, new(big.Int).Sub(big.NewInt(a), big.NewInt(b)))
	})
}
