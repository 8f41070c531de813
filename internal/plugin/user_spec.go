package plugin

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

func newStateCommands(o *options) []*cobra.Command {
	state := func(use, short string, to iamv1alpha1.UserState) *cobra.Command {
		cmd := &cobra.Command{
			Use: use + " USER", Short: short,
			Example: fmt.Sprintf("  kubectl tenantry %s bob -n acme --wait", use),
			Args:    cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				return o.runSpecPatch(cmd.Context(), args[0], map[string]any{"state": to})
			},
		}
		o.addWaitFlags(cmd)
		return cmd
	}
	return []*cobra.Command{
		state("disable", "Disable the user (spec.state Disabled): no sign-in, no access", iamv1alpha1.UserStateDisabled),
		state("enable", "Enable a disabled user again", iamv1alpha1.UserStateActive),
		state("restore", "Restore a soft-deleted user (spec.state Active) with its balance, history and teams", iamv1alpha1.UserStateActive),
	}
}

func newSetRoleCommand(o *options) *cobra.Command {
	cmd := &cobra.Command{
		Use: "set-role USER ROLE", Short: "Give the user another Role",
		Example: "  kubectl tenantry set-role bob owner -n acme --wait",
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.runSpecPatch(cmd.Context(), args[0], map[string]any{"role": args[1]})
		},
	}
	o.addWaitFlags(cmd)
	return cmd
}

// runSpecPatch merges fields into the user's spec and, with --wait, waits
// until the operator has reconciled that generation.
func (o *options) runSpecPatch(ctx context.Context, name string, spec map[string]any) error {
	user, c, err := o.patchSpec(ctx, name, spec)
	if err != nil {
		return err
	}
	_, _ = fmt.Fprintf(o.streams.Out, "user/%s patched\n", name)
	if !o.wait {
		return nil
	}
	generation := user.Generation
	user, err = o.waitForUser(ctx, c, keyOf(user), "reconcile", func(u *iamv1alpha1.User) bool {
		return u.Status.ObservedGeneration >= generation && u.Status.Phase != iamv1alpha1.UserPhaseUpdating
	})
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(o.streams.Out, "user/%s: role %s, phase %s\n", name, orDash(user.Spec.Role), orDash(string(user.Status.Phase)))
	return err
}

// patchSpec merges fields into the user's spec and returns the user as the
// API server stored it, and the client that wrote it.
func (o *options) patchSpec(ctx context.Context, name string, spec map[string]any) (*iamv1alpha1.User, *kubeClient, error) {
	c, ns, err := o.clientIn()
	if err != nil {
		return nil, nil, err
	}
	patch, err := json.Marshal(map[string]any{"spec": spec})
	if err != nil {
		return nil, nil, err
	}
	user := &iamv1alpha1.User{}
	user.Namespace, user.Name = ns, name
	if err := c.mergePatch(ctx, user, patch); err != nil {
		return nil, nil, explain(err, access{verbPatch, usersResource, ns})
	}
	return user, c, nil
}
