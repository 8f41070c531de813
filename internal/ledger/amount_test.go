package ledger

import (
	"errors"
	"math"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in       string
		currency string
		want     int64
		wantErr  error
	}{
		{"12.50", "USD", 1250, nil},
		{"12.5", "USD", 1250, nil},
		{"12", "USD", 1200, nil},
		{"0.01", "USD", 1, nil},
		{"007.10", "EUR", 710, nil},
		{"0", "USD", 0, nil},
		{"1500", "JPY", 1500, nil},
		{"1.234", "KWD", 1234, nil},
		{"92233720368547758.07", "USD", math.MaxInt64, nil},
		{"92233720368547758.08", "USD", 0, ErrOverflow},
		{"12.345", "USD", 0, ErrInvalidAmount},
		{"12.5", "JPY", 0, ErrInvalidAmount},
		{"-1", "USD", 0, ErrInvalidAmount},
		{"+1", "USD", 0, ErrInvalidAmount},
		{"1e3", "USD", 0, ErrInvalidAmount},
		{"1.", "USD", 0, ErrInvalidAmount},
		{".5", "USD", 0, ErrInvalidAmount},
		{"", "USD", 0, ErrInvalidAmount},
		{"1.2.3", "USD", 0, ErrInvalidAmount},
		{"ten", "USD", 0, ErrInvalidAmount},
	}
	for _, tt := range tests {
		t.Run(tt.in+" "+tt.currency, func(t *testing.T) {
			got, err := Parse(tt.in, tt.currency)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Parse(%q) error = %v, want %v", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil || got.Minor != tt.want {
				t.Fatalf("Parse(%q) = %d, %v; want %d", tt.in, got.Minor, err, tt.want)
			}
		})
	}
}

func TestString(t *testing.T) {
	tests := []struct {
		a    Amount
		want string
	}{
		{Amount{1250, "USD"}, "12.50"},
		{Amount{1, "USD"}, "0.01"},
		{Amount{0, "USD"}, "0.00"},
		{Amount{-5, "USD"}, "-0.05"},
		{Amount{1500, "JPY"}, "1500"},
		{Amount{1234, "KWD"}, "1.234"},
		{Amount{math.MaxInt64, "USD"}, "92233720368547758.07"},
		{Amount{math.MinInt64, "USD"}, "-92233720368547758.08"},
	}
	for _, tt := range tests {
		if got := tt.a.String(); got != tt.want {
			t.Errorf("%+v.String() = %q, want %q", tt.a, got, tt.want)
		}
	}
}

func TestParseStringRoundTrip(t *testing.T) {
	for _, s := range []string{"0.00", "0.01", "12.50", "1000000.99"} {
		a, err := Parse(s, "EUR")
		if err != nil || a.String() != s {
			t.Errorf("round trip of %q gave %q, %v", s, a.String(), err)
		}
	}
}

func TestAddSub(t *testing.T) {
	if got, err := Add(1250, 750); err != nil || got != 2000 {
		t.Errorf("Add = %d, %v", got, err)
	}
	if _, err := Add(math.MaxInt64, 1); !errors.Is(err, ErrOverflow) {
		t.Errorf("Add overflow = %v", err)
	}
	if _, err := Add(math.MinInt64, -1); !errors.Is(err, ErrOverflow) {
		t.Errorf("Add underflow = %v", err)
	}
	if got, err := Sub(2000, 750); err != nil || got != 1250 {
		t.Errorf("Sub = %d, %v", got, err)
	}
	if _, err := Sub(0, math.MinInt64); !errors.Is(err, ErrOverflow) {
		t.Errorf("Sub overflow = %v", err)
	}
}
