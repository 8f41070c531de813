package plugin

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/types"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

func newDeleteCommand(o *options) *cobra.Command {
	var confirmed, soft bool
	cmd := &cobra.Command{
		Use:   "delete USER",
		Short: "Delete the user, their access and every service provisioned for them; --soft keeps them restorable",
		Example: `  kubectl tenantry delete bob -n acme             # shows bob's services, asks y/N
  kubectl tenantry delete bob -n acme --confirm --wait
  kubectl tenantry delete bob -n acme --soft --wait   # spec.state Deleted: restorable with kubectl tenantry restore`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if soft {
				return o.runSoftDelete(cmd.Context(), args[0])
			}
			return o.runDelete(cmd.Context(), args[0], confirmed)
		},
	}
	cmd.Flags().BoolVar(&confirmed, "confirm", false, "delete without asking")
	cmd.Flags().BoolVar(&soft, "soft", false, "delete softly (spec.state Deleted): no access at once, restorable until the retention ends")
	o.addWaitFlags(cmd)
	return cmd
}

func (o *options) runDelete(ctx context.Context, name string, confirmed bool) error {
	c, ns, err := o.clientIn()
	if err != nil {
		return err
	}
	user := &iamv1alpha1.User{}
	if err := c.get(ctx, types.NamespacedName{Namespace: ns, Name: name}, user); err != nil {
		return explain(err, access{verbGet, usersResource, ns})
	}
	if err := o.confirm(deleteQuestion(user), confirmed); err != nil {
		return err
	}
	if err := c.delete(ctx, user, nil); err != nil {
		return explain(err, access{verbDelete, usersResource, ns})
	}
	_, _ = fmt.Fprintf(o.streams.Out, "user/%s deleted\n", name)
	if !o.wait {
		return nil
	}
	if err := o.waitForGone(ctx, c, user, access{verbGet, usersResource, ns}); err != nil {
		return err
	}
	_, err = fmt.Fprintf(o.streams.Out, "user/%s and its services are gone\n", name)
	return err
}

// runSoftDelete sets spec.state Deleted and, with --wait, says until when
// the user can be restored. Nothing is lost until then, so it asks nothing.
func (o *options) runSoftDelete(ctx context.Context, name string) error {
	user, c, err := o.patchSpec(ctx, name, map[string]any{"state": iamv1alpha1.UserStateDeleted})
	if err != nil {
		return err
	}
	_, _ = fmt.Fprintf(o.streams.Out, "user/%s deleted softly\n", name)
	if !o.wait {
		return nil
	}
	user, err = o.waitForUser(ctx, c, keyOf(user), "soft delete", func(u *iamv1alpha1.User) bool {
		return u.Status.Phase == iamv1alpha1.UserPhaseDeleted && u.Status.PurgeTime != nil
	})
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(o.streams.Out, "user/%s: no access; restorable with `kubectl tenantry restore %s` until %s\n",
		name, name, timestamp(user.Status.PurgeTime))
	return err
}

// deleteQuestion names what goes with the user, as the portal's "are you
// sure" does.
func deleteQuestion(u *iamv1alpha1.User) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Delete user %s (%s) from %s", u.Name, u.Spec.Email, u.Namespace)
	if len(u.Status.Services) == 0 {
		b.WriteString("? They have no services.")
		return b.String()
	}
	b.WriteString(" and remove these services?")
	for _, s := range u.Status.Services {
		object := ""
		if s.Object != nil {
			object = fmt.Sprintf(" — %s %s", s.Object.Kind, s.Object.Name)
		}
		fmt.Fprintf(&b, "\n  %s (%s, %s)%s", s.Name, s.ServiceClass, s.Phase, object)
	}
	return b.String()
}
