package reconcile

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	ctrl "sigs.k8s.io/controller-runtime"
)

func TestEarliest(t *testing.T) {
	at := func(d time.Duration) ctrl.Result { return ctrl.Result{RequeueAfter: d} }
	tests := []struct {
		name string
		a, b ctrl.Result
		want ctrl.Result
	}{
		{"neither requeues", at(0), at(0), at(0)},
		{"only the first", at(time.Second), at(0), at(time.Second)},
		{"only the second", at(0), at(time.Minute), at(time.Minute)},
		{"the second is sooner", at(time.Minute), at(time.Second), at(time.Second)},
		{"the first is sooner", at(time.Second), at(time.Minute), at(time.Second)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Earliest(tt.a, tt.b); got != tt.want {
				t.Errorf("Earliest = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestRequeueOnConflict(t *testing.T) {
	conflict := apierrors.NewConflict(schema.GroupResource{Resource: "users"}, "alice", errors.New("the object has been modified"))
	other := errors.New("connection refused")
	tests := []struct {
		name        string
		err         error
		wantErr     bool
		wantRequeue time.Duration
	}{
		{"no error keeps the result", nil, false, time.Minute},
		{"a conflict requeues soon, quietly", conflict, false, ConflictRequeue},
		{"a wrapped conflict too", fmt.Errorf("patch status: %w", conflict), false, ConflictRequeue},
		{"joined conflicts too", errors.Join(conflict, conflict), false, ConflictRequeue},
		{"a real error beside a conflict is reported", errors.Join(conflict, other), true, time.Minute},
		{"another error is reported", other, true, time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := RequeueOnConflict(context.Background(), "user", ctrl.Result{RequeueAfter: time.Minute}, tt.err)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error: %v", err, tt.wantErr)
			}
			if got.RequeueAfter != tt.wantRequeue {
				t.Errorf("RequeueAfter = %v, want %v", got.RequeueAfter, tt.wantRequeue)
			}
		})
	}
}
