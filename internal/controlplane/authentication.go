package controlplane

import (
	"fmt"
	"strings"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// ActExtraKey is the key of the user's extra under which the API server
// keeps the actor of a "log in as" token, so that it reaches the audit log
// and the users' change history.
const ActExtraKey = iamv1alpha1.ActExtraKey

// JWTIssuer is one issuer an API server is told to trust.
type JWTIssuer struct {
	URL      string
	Audience string
	// Prefix goes before the token's email, as --identity-prefix puts it
	// before the email in RoleBindings.
	Prefix string
	// CAPEM verifies the issuer's serving certificate.
	CAPEM []byte
}

// AuthenticationConfig renders the AuthenticationConfiguration (the file of
// kube-apiserver's --authentication-config) that trusts Tenantry's issuers,
// as docs/guides/identity-and-login-as.md tells a cluster admin to write it.
func AuthenticationConfig(issuers ...JWTIssuer) string {
	var b strings.Builder
	b.WriteString("apiVersion: apiserver.config.k8s.io/v1\nkind: AuthenticationConfiguration\njwt:\n")
	for _, is := range issuers {
		ca := "      " + strings.ReplaceAll(strings.TrimSpace(string(is.CAPEM)), "\n", "\n      ")
		fmt.Fprintf(&b, `- issuer:
    url: %s
    audiences: [%s]
    certificateAuthority: |
%s
  claimValidationRules:
  - expression: claims.email_verified == true
    message: the email must be verified
  claimMappings:
    username:
      expression: "'%s' + claims.email"
    uid:
      expression: claims.sub
    extra:
    - key: %s
      valueExpression: "has(claims.act) ? claims.act.email : ''"
`, is.URL, is.Audience, ca, is.Prefix, ActExtraKey)
	}
	return b.String()
}
