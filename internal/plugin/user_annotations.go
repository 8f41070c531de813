package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// annotationAction is an action the operator takes once per new value of an
// annotation on the user, and acknowledges by copying the value to status.
type annotationAction struct {
	use, short, example string
	annotation          string
	// acknowledged is the status field that holds the last value acted on.
	acknowledged func(*iamv1alpha1.User) string
	// outcome says what the operator did, read from status.
	outcome func(*iamv1alpha1.User) string
}

var annotationActions = []annotationAction{
	{
		use: "resend USER", short: "Send the user a new invitation",
		example:    "  kubectl tenantry resend bob -n acme --wait",
		annotation: iamv1alpha1.ResendInvitationAnnotation,
		acknowledged: func(u *iamv1alpha1.User) string {
			if u.Status.Invitation == nil {
				return ""
			}
			return u.Status.Invitation.ResendRequest
		},
		outcome: func(u *iamv1alpha1.User) string {
			inv := u.Status.Invitation
			if inv.SentTime == nil {
				return fmt.Sprintf("invitation #%d not delivered yet (%s)", inv.Number, orDash(inv.LastErrorReason))
			}
			return fmt.Sprintf("invitation #%d sent to %s, valid until %s", inv.Number, inv.Email, timestamp(inv.ExpiryTime))
		},
	},
	{
		use: "unlock USER", short: "Lift a lockout after failed logins and clear the failure counters",
		example:      "  kubectl tenantry unlock alice -n acme --wait",
		annotation:   iamv1alpha1.UnlockAnnotation,
		acknowledged: func(u *iamv1alpha1.User) string { return u.Status.UnlockRequest },
		outcome: func(u *iamv1alpha1.User) string {
			return "unlocked; failed logins before now no longer count (phase " + orDash(string(u.Status.Phase)) + ")"
		},
	},
	{
		use: "reset-password USER", short: "Email the user a password reset link",
		example:    "  kubectl tenantry reset-password alice -n acme --wait",
		annotation: iamv1alpha1.ResetPasswordAnnotation,
		acknowledged: func(u *iamv1alpha1.User) string {
			if u.Status.PasswordReset == nil {
				return ""
			}
			return u.Status.PasswordReset.Request
		},
		outcome: func(u *iamv1alpha1.User) string {
			reset := u.Status.PasswordReset
			switch {
			case u.Spec.State.KeepsOut() || !u.Status.EmailVerified:
				return "no email sent: the user is disabled or has not accepted the invitation"
			case reset.LastErrorReason != "":
				return fmt.Sprintf("password reset #%d not delivered yet (%s)", reset.Number, reset.LastErrorReason)
			default:
				return fmt.Sprintf("password reset #%d sent to %s, valid until %s", reset.Number, u.Spec.Email, timestamp(reset.ExpiryTime))
			}
		},
	},
	{
		use: "reset-2fa USER", short: "Remove the user's authenticator and recovery codes",
		example:      "  kubectl tenantry reset-2fa alice -n acme --wait",
		annotation:   iamv1alpha1.ResetTwoFactorAnnotation,
		acknowledged: func(u *iamv1alpha1.User) string { return u.Status.TwoFactorResetRequest },
		outcome: func(u *iamv1alpha1.User) string {
			return "two-factor removed; the next login needs the password only (2FA " + orDash(string(u.Status.TwoFactor)) + ")"
		},
	},
}

func newAnnotationCommands(o *options) []*cobra.Command {
	cmds := make([]*cobra.Command, 0, len(annotationActions))
	for _, action := range annotationActions {
		cmd := &cobra.Command{
			Use: action.use, Short: action.short, Example: action.example,
			Args: cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				return o.runAnnotationAction(cmd.Context(), action, args[0])
			},
		}
		o.addWaitFlags(cmd)
		cmds = append(cmds, cmd)
	}
	return cmds
}

func (o *options) runAnnotationAction(ctx context.Context, action annotationAction, name string) error {
	c, ns, err := o.clientIn()
	if err != nil {
		return err
	}
	// A new timestamp is a new request: the operator acts once per value.
	request := time.Now().UTC().Format(time.RFC3339Nano)
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{"annotations": map[string]string{action.annotation: request}}})
	if err != nil {
		return err
	}
	user := &iamv1alpha1.User{}
	user.Namespace, user.Name = ns, name
	if err := c.mergePatch(ctx, user, patch); err != nil {
		return explain(err, access{verbPatch, usersResource, ns})
	}
	_, _ = fmt.Fprintf(o.streams.Out, "user/%s annotated %s=%s\n", name, action.annotation, request)
	if !o.wait {
		return nil
	}
	user, err = o.waitForUser(ctx, c, keyOf(user), "act on "+action.annotation+" of", func(u *iamv1alpha1.User) bool {
		return action.acknowledged(u) == request
	})
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(o.streams.Out, "user/%s: %s\n", name, action.outcome(user))
	return err
}
