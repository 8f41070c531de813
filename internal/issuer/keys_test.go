package issuer

import (
	"testing"
	"time"
)

func TestPlanKeys(t *testing.T) {
	p := Policy{Rotation: 24 * time.Hour, PublishDelay: 5 * time.Minute, Retention: 16 * time.Minute}
	t0 := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	key := func(id string, active time.Time) Key { return Key{ID: id, Active: active} }
	ids := func(keys []Key) []string {
		out := make([]string, 0, len(keys))
		for _, k := range keys {
			out = append(out, k.ID)
		}
		return out
	}
	tests := []struct {
		name       string
		keys       []Key
		now        time.Time
		wantKept   []string
		wantNew    bool
		wantActive time.Time
	}{{
		name: "the first start makes a key that signs at once",
		now:  t0, wantKept: []string{}, wantNew: true, wantActive: t0,
	}, {
		name: "a young key is kept alone",
		keys: []Key{key("a", t0)}, now: t0.Add(time.Hour),
		wantKept: []string{"a"},
	}, {
		name: "the next key is made a publish delay before the rotation is due",
		keys: []Key{key("a", t0)}, now: t0.Add(24*time.Hour - 5*time.Minute),
		wantKept: []string{"a"}, wantNew: true, wantActive: t0.Add(24 * time.Hour),
	}, {
		name: "a late refresh still publishes the next key before it signs",
		keys: []Key{key("a", t0)}, now: t0.Add(30 * time.Hour),
		wantKept: []string{"a"}, wantNew: true, wantActive: t0.Add(30*time.Hour + 5*time.Minute),
	}, {
		name: "a published key waits for its turn",
		keys: []Key{key("a", t0), key("b", t0.Add(24*time.Hour))}, now: t0.Add(24*time.Hour - time.Minute),
		wantKept: []string{"a", "b"},
	}, {
		name: "the old key stays while tokens it signed may be valid",
		keys: []Key{key("a", t0), key("b", t0.Add(24*time.Hour))}, now: t0.Add(24*time.Hour + 15*time.Minute),
		wantKept: []string{"a", "b"},
	}, {
		name: "the old key goes once they have all expired",
		keys: []Key{key("a", t0), key("b", t0.Add(24*time.Hour))}, now: t0.Add(24*time.Hour + 16*time.Minute),
		wantKept: []string{"b"},
	}, {
		name: "keys are ordered by activation whatever the Secret's order",
		keys: []Key{key("b", t0.Add(24*time.Hour)), key("a", t0)}, now: t0.Add(24*time.Hour + time.Minute),
		wantKept: []string{"a", "b"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kept, needNew, active := planKeys(tt.keys, tt.now, p)
			if got := ids(kept); !equal(got, tt.wantKept) {
				t.Errorf("kept = %v, want %v", got, tt.wantKept)
			}
			if needNew != tt.wantNew || !active.Equal(tt.wantActive) {
				t.Errorf("new = %v from %v, want %v from %v", needNew, active, tt.wantNew, tt.wantActive)
			}
		})
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestSigningKeyIsTheLastActive(t *testing.T) {
	t0 := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	keys := []Key{{ID: "a", Active: t0}, {ID: "b", Active: t0.Add(time.Hour)}}
	for _, tt := range []struct {
		now  time.Time
		want string
	}{{t0.Add(-time.Second), ""}, {t0, "a"}, {t0.Add(time.Hour - time.Second), "a"}, {t0.Add(time.Hour), "b"}} {
		got, ok := signingKey(keys, tt.now)
		if ok != (tt.want != "") || got.ID != tt.want {
			t.Errorf("at %v: signing key = %q (%v), want %q", tt.now, got.ID, ok, tt.want)
		}
	}
}

func TestKeysSurviveTheSecret(t *testing.T) {
	k, err := newKey(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	keys, err := decodeKeys(encodeKeys([]Key{k}))
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 || keys[0].ID != k.ID || !keys[0].private.Equal(k.private) {
		t.Fatalf("decoded %+v, want the key back", keys)
	}
	if _, err := decodeKeys([]byte(`[{"kid":"x","privateKey":"garbage"}]`)); err == nil {
		t.Error("a key that does not parse was accepted")
	}
}
