package main

import (
	"context"
	"os/exec"
	"strings"
	"time"
)

// applyTimeout bounds `kubectl apply`; against a local control plane it
// takes a second or two.
const applyTimeout = time.Minute

// applySamples applies config/samples with kubectl, exactly as a person
// would, so the first thing the operator reconciles is ordinary YAML. A
// failure is reported but does not stop the environment: the person can
// fix the YAML and apply it again.
func applySamples(ctx context.Context, ws workspace) {
	ctx, cancel := context.WithTimeout(ctx, applyTimeout)
	defer cancel()
	args := []string{"--kubeconfig", ws.kubeconfig, "apply", "-k", "config/samples"}
	cmd := exec.CommandContext(ctx, ws.kubectl, args...)
	cmd.Dir = ws.root
	out, err := cmd.CombinedOutput()
	say("$ kubectl apply -k config/samples\n%s", strings.TrimRight(string(out), "\n"))
	if err != nil {
		say("Applying the samples failed (%v); the environment keeps running.", err)
	}
}
