package packaging

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The image's binary is built by hack/build-manager.sh in the Dockerfile;
// building it the same way here catches what would break the image's build
// (a cgo dependency, say) where no container engine runs.
func TestImageBinaryBuilds(t *testing.T) {
	manager := filepath.Join(t.TempDir(), "manager")
	run(t, nil, filepath.Join("hack", "build-manager.sh"), manager)

	// The flag package prints the usage on stderr.
	out, err := exec.Command(manager, "--help").CombinedOutput()
	if err != nil {
		t.Fatalf("%s --help: %v\n%s", manager, err, out)
	}
	help := string(out)
	for _, flag := range []string{"-smtp-host", "-webhook-certs", "-leader-elect"} {
		if !strings.Contains(help, flag) {
			t.Errorf("the image's manager does not know %s:\n%s", flag, help)
		}
	}
}
