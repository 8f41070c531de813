package plugin

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

func newInviteCommand(o *options) *cobra.Command {
	var email, fullName, role string
	var services []string
	cmd := &cobra.Command{
		Use:   "invite NAME --email EMAIL --full-name NAME [--role ROLE] [--service CLASS ...]",
		Short: "Create a user; the operator emails them an invitation",
		Example: `  kubectl tenantry invite carol -n acme --email carol@acme.example --full-name "Carol Example" \
    --role manager --service storage --wait`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if email == "" || fullName == "" {
				return fmt.Errorf("--email and --full-name are required")
			}
			user := &iamv1alpha1.User{
				ObjectMeta: metav1.ObjectMeta{Name: args[0]},
				Spec:       iamv1alpha1.UserSpec{Email: email, FullName: fullName, Role: role},
			}
			for _, class := range services {
				user.Spec.Services = append(user.Spec.Services, iamv1alpha1.ServiceAssignment{ServiceClass: class})
			}
			return o.runInvite(cmd.Context(), user)
		},
	}
	cmd.Flags().StringVar(&email, "email", "", "the person's email address, where the invitation goes")
	cmd.Flags().StringVar(&fullName, "full-name", "", "the person's full name")
	cmd.Flags().StringVar(&role, "role", "", "the Role to give them (the built-in default when empty)")
	cmd.Flags().StringArrayVar(&services, "service", nil, "a ServiceClass to assign them; repeat for more")
	o.addWaitFlags(cmd)
	return cmd
}

func (o *options) runInvite(ctx context.Context, user *iamv1alpha1.User) error {
	c, err := o.client()
	if err != nil {
		return err
	}
	if user.Namespace, err = o.namespace(); err != nil {
		return err
	}
	if err := c.create(ctx, user); err != nil {
		return explain(err, access{verbCreate, usersResource, user.Namespace})
	}
	_, _ = fmt.Fprintf(o.streams.Out, "user/%s created in %s\n", user.Name, user.Namespace)
	if !o.wait {
		return nil
	}
	user, err = o.waitForUser(ctx, c, keyOf(user), "send the invitation to", func(u *iamv1alpha1.User) bool {
		inv := u.Status.Invitation
		return inv != nil && (inv.SentTime != nil || inv.LastErrorReason != "")
	})
	if err != nil {
		return err
	}
	return o.printInvitation(user)
}

// printInvitation says where the user's current invitation stands.
func (o *options) printInvitation(u *iamv1alpha1.User) error {
	inv := u.Status.Invitation
	var err error
	switch {
	case inv == nil:
		_, err = fmt.Fprintf(o.streams.Out, "user/%s: no invitation (phase %s)\n", u.Name, orDash(string(u.Status.Phase)))
	case inv.LastErrorReason != "" && inv.SentTime == nil:
		_, err = fmt.Fprintf(o.streams.Out, "user/%s: invitation #%d to %s not delivered yet (%s, attempt %d)\n",
			u.Name, inv.Number, inv.Email, inv.LastErrorReason, inv.DeliveryAttempts)
	default:
		_, err = fmt.Fprintf(o.streams.Out, "user/%s: invitation #%d sent to %s, valid until %s (phase %s)\n",
			u.Name, inv.Number, inv.Email, timestamp(inv.ExpiryTime), orDash(string(u.Status.Phase)))
	}
	return err
}

// timestamp prints a time the way the commands show them, or "-".
func timestamp(t *metav1.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04 MST")
}
