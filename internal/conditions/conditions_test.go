package conditions_test

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/conditions"
)

func TestSetStampsGenerationAndKeepsTransitionTime(t *testing.T) {
	user := &iamv1alpha1.User{ObjectMeta: metav1.ObjectMeta{Generation: 3}}
	conditions.MarkFalse(user, "Ready", "Waiting", "waiting")
	first := *conditions.Get(user, "Ready")
	if first.ObservedGeneration != 3 {
		t.Fatalf("observedGeneration = %d, want 3", first.ObservedGeneration)
	}
	// Same status again, later, with another message: the transition time
	// stays, the message follows.
	first.LastTransitionTime = metav1.NewTime(time.Now().Add(-time.Hour).Truncate(time.Second))
	user.Status.Conditions[0] = first
	user.Generation = 4
	conditions.MarkFalse(user, "Ready", "Waiting", "still waiting")
	again := conditions.Get(user, "Ready")
	if !again.LastTransitionTime.Equal(&first.LastTransitionTime) {
		t.Errorf("lastTransitionTime moved without a flip: %v -> %v", first.LastTransitionTime, again.LastTransitionTime)
	}
	if again.Message != "still waiting" || again.ObservedGeneration != 4 {
		t.Errorf("condition not updated: %+v", again)
	}
	// A flip moves it.
	conditions.MarkTrue(user, "Ready", "Active", "active")
	if flipped := conditions.Get(user, "Ready"); flipped.LastTransitionTime.Equal(&first.LastTransitionTime) {
		t.Error("lastTransitionTime kept across a flip")
	}
}

func TestReaders(t *testing.T) {
	role := &iamv1alpha1.Role{}
	if conditions.Get(role, "Stalled") != nil || conditions.IsTrue(role, "Stalled") || conditions.Message(role, "Stalled") != "" {
		t.Fatal("an absent condition reads as something")
	}
	conditions.MarkTrue(role, "Stalled", "Taken", "taken by someone else")
	if !conditions.IsTrue(role, "Stalled") || !conditions.HasReason(role, "Stalled", "Taken") || conditions.HasReason(role, "Stalled", "Other") {
		t.Error("IsTrue or HasReason misread the condition")
	}
	if got := conditions.Message(role, "Stalled"); got != "taken by someone else" {
		t.Errorf("Message = %q", got)
	}
	conditions.MarkUnknown(role, "Stalled", "Unsure", "")
	if conditions.IsTrue(role, "Stalled") || conditions.Get(role, "Stalled").Status != metav1.ConditionUnknown {
		t.Error("MarkUnknown did not set Unknown")
	}
	conditions.Delete(role, "Stalled")
	if len(role.Status.Conditions) != 0 {
		t.Errorf("Delete left %v", role.Status.Conditions)
	}
}
