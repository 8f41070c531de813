package reconcile

import (
	"testing"
	"time"
)

func TestBackoffDelay(t *testing.T) {
	b := Backoff{Base: 10 * time.Second, Max: 5 * time.Minute}
	tests := []struct {
		failed int32
		want   time.Duration
	}{
		{0, 0},
		{1, 10 * time.Second},
		{2, 20 * time.Second},
		{3, 40 * time.Second},
		{5, 160 * time.Second},
		{6, 5 * time.Minute},
		{1000, 5 * time.Minute}, // no overflow into a negative or tiny delay
	}
	for _, tt := range tests {
		if got := b.Delay(tt.failed); got != tt.want {
			t.Errorf("Delay(%d) = %s, want %s", tt.failed, got, tt.want)
		}
	}
}
