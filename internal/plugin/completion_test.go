package plugin

import (
	"slices"
	"testing"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

func TestArgumentsAsTheCompletionHelper(t *testing.T) {
	tests := []struct {
		name string
		argv []string
		want []string
	}{
		{"run as the plugin", []string{"/usr/local/bin/kubectl-tenantry", "users", "-n", "acme"}, []string{"users", "-n", "acme"}},
		{"run by kubectl to complete", []string{"/usr/local/bin/kubectl_complete-tenantry", "history", ""}, []string{"__complete", "history", ""}},
		{"the helper built for Windows", []string{"kubectl_complete-tenantry.exe", "us"}, []string{"__complete", "us"}},
		{"no arguments", []string{"kubectl-tenantry"}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Arguments(tt.argv); !slices.Equal(got, tt.want) {
				t.Errorf("Arguments(%q) = %q, want %q", tt.argv, got, tt.want)
			}
		})
	}
}

// Every command whose first argument is a user completes it with the
// account's users; the others do not.
func TestUserArgumentsComplete(t *testing.T) {
	root := NewRootCommand(genericiooptions.NewTestIOStreamsDiscard())
	want := []string{"cancel", "charge", "delete", "disable", "enable", "history", "login-as", "refill", "resend",
		"reset-2fa", "reset-password", "restore", "set-role", "unlock"}
	var got []string
	for _, cmd := range root.Commands() {
		if cmd.ValidArgsFunction != nil {
			got = append(got, cmd.Name())
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("commands completing a user: %v, want %v", got, want)
	}
	if !takesUser(&cobra.Command{Use: "refill USER AMOUNT"}) || takesUser(&cobra.Command{Use: "invite NAME"}) {
		t.Error("takesUser reads the usage line wrong")
	}
}
